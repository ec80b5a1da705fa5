"""Every query parameter of every endpoint of the URL map gets hostile values (finding 3 of issue 8).

Views read query parameters through the shared parsers of backoffice/parsers.py, and each endpoint
declares what it reads (``@accepts(name=Parser())``, ``@accepts()`` for none, or ``query_params`` on a
Flask-Admin view for its inherited endpoints). Every endpoint of app.url_map must declare (only the
static files are exempt), and no view reads request.args / request.values / request.form.get itself.
This suite walks app.url_map: each GET endpoint gets, for its declared parameters, values from the fuzz
suite's hostile set plus calendar edges, unicode digits and numbers past any integer. Asserted: never a 5xx, and a GET
changes nothing in the database. A form field sent as a file part is covered in test_fuzz_forms.py.
"""

from __future__ import annotations

import re
from pathlib import Path
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


def _exempt(endpoint: str) -> bool:
    """Static files (the app's and Flask-Admin's): a path, no query parameter, no view of ours."""
    return endpoint == "static" or endpoint.endswith(".static")


def _rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app, [rule for rule in app.url_map.iter_rules() if not _exempt(rule.endpoint)]


def _endpoints() -> list[tuple[str, str]]:
    _app, rules = _rules()
    return sorted((rule.endpoint, rule.rule) for rule in rules if "GET" in rule.methods)


ENDPOINTS = _endpoints()


def test_every_endpoint_declares_its_query_parameters():
    """Finding 3: every endpoint of the URL map (GET or POST, ours or Flask-Admin's) declares what it reads,
    possibly nothing (``@accepts()``), so a new view that reads a parameter without declaring it fails here
    and the walk below gives every declared parameter hostile values."""
    app, rules = _rules()
    with app.app_context():
        missing = sorted({rule.endpoint for rule in rules if declared(rule.endpoint, app) is None})
    assert not missing, f"endpoints without @accepts(...) (backoffice/parsers.py): {missing}"


DIRECT_READ = re.compile(r"request\.(args|values)\b|request\.form\.get\(")


def test_no_view_reads_the_request_arguments_itself():
    """Finding 3: query parameters are read only through parsers.arg (the declared parser) and loose form
    fields only through parsers.form_text; forms' own fields stay with WTForms."""
    root = Path(__file__).resolve().parent.parent / "backoffice"
    found = [f"{path.relative_to(root)}:{number}: {line.strip()}"
             for path in sorted(root.rglob("*.py")) if path.name != "parsers.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if DIRECT_READ.search(line)]
    assert not found, "read through backoffice/parsers.py instead:\n" + "\n".join(found)


def _path(rule: str, w) -> str:
    values = {"customer_id": w.customer.id, "link_id": w.link.id, "notification_id": w.notification.id,
              "user_id": w.admin.id, "token": make_token(w.staff), "export_type": "csv",
              "job_id": 1}  # (an import job: none, so the page answers 404; its flows: test_customer_import_admin.py)
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
                     "notifications.index", "portal.index", "customer_export.download", "customers.details_view",
                     "saved_views.index", "saved_views.save_view"):
        assert endpoint in names
    assert set(declared("audit_log.export", app)) >= {"user", "date_from", "date_to", "q", "kind", "record_type"}
    # (issue 11, views) the save dialog reads every saved list parameter with the list's own parser
    from backoffice.services.saved_views import LIST_PARAMS

    assert set(declared("saved_views.save_view", app)) >= set(LIST_PARAMS)
    assert all(declared("saved_views.save_view", app)[name] is declared("customers.index_view", app)[name]
               for name in LIST_PARAMS)


@pytest.mark.parametrize("endpoint, rule", ENDPOINTS, ids=[e for e, _ in ENDPOINTS])
@given(data=st.data())
def test_every_query_parameter_with_hostile_input(endpoint, rule, data, world, client, app):  # noqa: F811
    with client.session_transaction() as s:
        s.clear()
    login(client, world.portal_admin if endpoint.startswith("portal.") else world.admin)
    params = sorted(declared(endpoint, app))
    if not params:  # @accepts(): it reads none, so any parameter must be ignored (a stray ?id=, ?url=)
        params = ["id", "url", "next"]
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
