"""Helpers for the security tests."""

from __future__ import annotations

from flask.testing import FlaskClient


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in a new app context, as in production.

    The suite's autouse fixture keeps one app context open for the whole test, and Flask reuses it for the
    client's requests, so `g` (and with it Flask-Login's cached current user) would leak from one request to
    the next. Tests with several browsers at once need each request to start clean.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def fresh_client(app) -> FreshContextClient:
    return FreshContextClient(app, app.response_class, use_cookies=True)
