"""Every query parameter of every endpoint of the URL map gets hostile values (finding 3 of issue 8).

Views read query parameters through the shared parsers of backoffice/parsers.py, and each endpoint
declares what it reads (``@accepts(name=Parser())``, or ``query_params`` on a Flask-Admin view for its
inherited endpoints). This suite walks app.url_map: each GET endpoint gets, for every declared parameter
(and a few common ones, for an endpoint that declares none), values from the fuzz suite's hostile set
plus calendar edges, unicode digits and numbers past any integer. Asserted: never a 5xx, and a GET
changes nothing in the database. A form field sent as a file part is covered in test_fuzz_forms.py.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice import create_app
from backoffice.auth.reset import make_token
from backoffice.parsers import declared
from tests.conftest import login
from tests.test_fuzz_forms import MISSING, assert_no_error, hostile_any, mutation, snapshot, world  # noqa: F401

EDGES = ["0001-01-01", "9999-12-31", "2026-02-30", "²", "٣", "１", "2147483648", "9223372036854775808",
         "-9223372036854775809", "9" * 5000, "system", "1", "2026-01-01"]
hostile_param = st.one_of(hostile_any, st.sampled_from(EDGES))
COMMON = ("id", "url", "modal", "panel", "page", "q", "search", "before", "entry", "next")
SKIP = {"static", "admin.static"}


def _endpoints() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rows = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or "GET" not in rule.methods:
            continue
        rows.append((rule.endpoint, rule.rule))
    return sorted(rows)


ENDPOINTS = _endpoints()


def _path(rule: str, w) -> str:
    values = {"customer_id": w.customer.id, "link_id": w.link.id, "notification_id": w.notification.id,
              "user_id": w.admin.id, "token": make_token(w.staff), "export_type": "csv"}
    path = rule
    for name, value in values.items():
        for converter in ("int:", ""):
            path = path.replace(f"<{converter}{name}>", str(value))
    assert "<" not in path, f"no test value for a path parameter of {rule}"
    return path


def test_the_walk_covers_the_declared_endpoints(app):
    """The declarations are found (a decorator under @expose/@login_required keeps its attribute)."""
    names = {endpoint for endpoint, _ in ENDPOINTS if declared(endpoint, app) is not None}
    for endpoint in ("audit_log.index", "audit_log.export", "organizations.history_view", "customers.history_view",
                     "notifications.index", "portal.index", "customer_export.download", "customers.details_view"):
        assert endpoint in names
    assert set(declared("audit_log.export", app)) >= {"user", "date_from", "date_to", "q", "kind", "record_type"}


@pytest.mark.parametrize("endpoint, rule", ENDPOINTS, ids=[e for e, _ in ENDPOINTS])
@given(data=st.data())
def test_every_query_parameter_with_hostile_input(endpoint, rule, data, world, client, app):  # noqa: F811
    with client.session_transaction() as s:
        s.clear()
    login(client, world.portal_admin if endpoint.startswith("portal.") else world.admin)
    params = sorted(declared(endpoint, app) or COMMON)
    names = data.draw(st.lists(st.sampled_from(params), min_size=1, max_size=3, unique=True), label="params")
    query = []
    for name in names:
        value = data.draw(mutation(hostile_param), label=name)
        if value is MISSING:
            continue
        for v in value if isinstance(value, list) else [value]:
            query.append(f"{quote(name)}={quote(v, safe='')}")
    before = snapshot()
    url = f"{_path(rule, world)}?{'&'.join(query)}"
    response = client.get(url)
    assert_no_error(response, f"{endpoint} {url[:300]}")
    response.get_data()  # (a streamed export must end normally too)
    if endpoint not in ("auth.logout",):
        assert snapshot() == before, f"{endpoint}: a GET changed the database"
