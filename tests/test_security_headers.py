"""Security headers on every response, a CSP without 'unsafe-inline' scripts, and no inline JavaScript."""

from __future__ import annotations

import re

import pytest

from backoffice.security import content_security_policy
from tests.conftest import login

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)


def assert_security_headers(response):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{16,}'", directives["script-src"]), directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Request-ID"]
    return directives


def assert_no_inline_script(html: str, nonce: str, url: str):
    handler = INLINE_HANDLER.search(html)
    assert handler is None, f"{url}: inline event handler {handler.group(0)!r}"
    # Flask-Admin's tabs and pager use href="javascript:void(0)" (inert; backoffice.js cancels such clicks);
    # anything else in a javascript: URL would be inline script.
    assert "javascript:" not in html.replace('href="javascript:void(0)"', ""), f"{url}: javascript: URL"
    for attrs, body in SCRIPT_TAG.findall(html):
        if "src=" in attrs:
            continue
        assert body.strip() == "" or f'nonce="{nonce}"' in attrs, f"{url}: inline <script> without the nonce"


def test_headers_on_anonymous_pages_static_files_and_errors(client):
    for url in ("/login", "/forgot-password", "/static/js/backoffice.js", "/admin/static/vendor/jquery.min.js", "/nowhere"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_security_headers(response)
    assert_security_headers(client.get("/admin/"))  # a redirect too


def test_a_new_nonce_for_every_response(client):
    first = client.get("/login").headers["Content-Security-Policy"]
    second = client.get("/login").headers["Content-Security-Policy"]
    assert first != second


def test_the_policy_text():
    csp = content_security_policy("abc")
    assert "script-src 'self' 'nonce-abc'" in csp
    # Flask-Admin's widgets set style="" attributes, so styles (only) allow inline.
    assert "style-src 'self' 'unsafe-inline'" in csp


@pytest.fixture
def signed_in_admin(client, admin, make_org, make_user):
    login(client, admin)
    org = make_org(name="Acme <b>Bold</b>")
    deleted = make_org(name="Gone Ltd")
    client.post(f"/admin/organizations/soft-delete/?id={deleted.id}", data={"confirmation": "DELETE"})
    user = make_user(first_name="Ulla")
    return {"org": org, "deleted": deleted, "user": user, "admin": admin}


def test_admin_pages_carry_no_inline_javascript_and_nonce_flask_admin_scripts(client, signed_in_admin):
    org, deleted, user = signed_in_admin["org"], signed_in_admin["deleted"], signed_in_admin["user"]
    urls = [
        "/admin/",
        "/admin/organizations/",
        "/admin/organizations/?search=acme",
        "/admin/organizations/new/",
        f"/admin/organizations/edit/?id={org.id}",
        f"/admin/organizations/details/?id={org.id}",
        f"/admin/organizations/soft-delete/?id={org.id}",
        f"/admin/organizations/soft-delete/?id={org.id}&modal=1",
        f"/admin/organizations/recover/?id={deleted.id}",
        f"/admin/organizations/purge/?id={deleted.id}",
        "/admin/users/",
        "/admin/users/new/",
        f"/admin/users/edit/?id={user.id}",
        f"/admin/users/details/?id={user.id}",
        f"/admin/users/password/?id={user.id}",
        f"/admin/users/sign-out/?id={user.id}",
        f"/admin/users/remove/?id={user.id}",
        "/profile",
        "/profile/password",
        "/logout",
        "/portal/",
        "/admin/nowhere",
    ]
    flask_admin_scripts = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        directives = assert_security_headers(response)
        nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
        html = response.get_data(as_text=True)
        assert_no_inline_script(html, nonce, url)
        flask_admin_scripts += html.count(f'nonce="{nonce}"')
    assert flask_admin_scripts > 0  # Admin(csp_nonce_generator=...) is wired: its script tags carry the nonce


def test_bulk_actions_dropdown_has_no_inline_handler(app):
    """Our override of Flask-Admin's actions.html (a view with actions renders it)."""
    with app.test_request_context("/"):
        from flask import render_template_string

        html = render_template_string(
            "{% import 'admin/actions.html' as actionlib with context %}{{ actionlib.dropdown(actions) }}",
            actions=[("delete", "Delete")],
            _gettext=lambda text: text,
        )
    assert 'data-bo-action="delete"' in html
    assert INLINE_HANDLER.search(html) is None and "javascript:" not in html


def test_signed_in_pages_are_never_cached(client, make_user):
    """Finding 14: every signed-in page says Cache-Control: no-store (as Django's never_cache); a shared
    computer's back button or a proxy keeps no copy. Static files and signed-out pages may be cached."""
    anonymous = client.get("/login")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    login(client, make_user(role="system-admin"))
    for url in ("/admin/", "/admin/users/", "/profile"):
        response = client.get(url)
        assert response.status_code == 200, url
        cache = response.headers.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, (url, cache)
    static = client.get("/static/js/backoffice.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_only_over_https(database_url):
    """Finding 14: Strict-Transport-Security on HTTPS responses (max-age from HSTS_SECONDS), never over HTTP."""
    from tests.conftest import make_app

    client = make_app(database_url).test_client()
    assert client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers
    client = make_app(database_url, HSTS_SECONDS=600, HSTS_INCLUDE_SUBDOMAINS=True).test_client()
    hsts = client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert hsts == "max-age=600; includeSubDomains"
    client = make_app(database_url, HSTS_SECONDS=0).test_client()
    assert "Strict-Transport-Security" not in client.get("/login", base_url="https://localhost").headers


def test_hsts_follows_x_forwarded_proto_behind_a_proxy(database_url):
    """Finding 14: behind TRUST_PROXY, HTTPS is what the proxy says it was."""
    from tests.conftest import make_app

    client = make_app(database_url, TRUST_PROXY=True).test_client()
    assert "Strict-Transport-Security" in client.get("/login", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in client.get("/login").headers
