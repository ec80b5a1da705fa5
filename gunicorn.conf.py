"""gunicorn's settings for several app servers (`make serve`, production): ``gunicorn --config gunicorn.conf.py``.

Read from the environment (the app itself reads DATABASE_URL, SECRET_KEY, REDIS_URL, TRUST_PROXY … in
backoffice/config.py):

* ``HOST`` / ``PORT`` — where it listens (127.0.0.1:8000: behind a reverse proxy on the same machine);
* ``WORKERS`` — worker processes (4); each is one request at a time, so this is the concurrency;
* ``GUNICORN_TIMEOUT`` — seconds before a stuck worker is restarted (60; a large CSV export streams).

The app is built once in the master (``preload_app``) from ``app:app`` and forked: a SECRET_KEY generated into
instance/ is generated once, not raced by the workers; each worker then drops the master's database
connections (``post_fork``) so no two processes share one.
"""

from __future__ import annotations

import os

wsgi_app = "app:app"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
preload_app = True
accesslog = "-"  # one line per request on stdout (the app logs its own JSON lines too)
errorlog = "-"
# The app trusts X-Forwarded-* itself (TRUST_PROXY=1, werkzeug's ProxyFix, one hop); gunicorn's own
# handling stays at its default (only from 127.0.0.1).


def post_fork(server, worker):
    """A worker starts without the master's pooled connections (a forked socket must not be shared)."""
    from app import app
    from backoffice.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
