"""The demo data shows saved views of the customers list (issue 11): the administrator's shared view and
the editor's private one, so the "Saved views" menu shows both kinds at once."""

from __future__ import annotations

from backoffice import demo
from backoffice.services import customer_groups
from backoffice.services import saved_views
from backoffice.services import users as user_service
from tests.conftest import login


def test_demo_saved_views_one_shared_one_private(app, session, client):
    with app.test_request_context():
        demo.seed(session)
        session.commit()
        admin = user_service.get_by_email(session, "admin@example.com")
        editor = user_service.get_by_email(session, "editor@example.com")
        staff = user_service.get_by_email(session, "staff@example.com")
        key = next(g for g in customer_groups.all_groups(session) if g.name == "Key accounts")
        mine = [(v.name, v.shared) for v in saved_views.visible(session, editor)]
        assert mine == [("Inactive customers", False), ("Active key accounts", True)]
        assert [v.name for v in saved_views.visible(session, staff)] == ["Active key accounts"]
        shared = saved_views.visible(session, admin)[0]
        assert shared.owner_id == admin.id and shared.params == {"status": "active", "group": key.id}
        found = saved_views.resolve(session, shared)
        assert found.notices == [] and found.params == {"status": "active", "group": key.id}
        assert demo.seed_saved_views(session) == 0  # idempotent
    login(client, staff, demo.DEMO_PASSWORD)
    page = client.get("/admin/customers/").get_data(as_text=True)
    assert "Active key accounts" in page and "Inactive customers" not in page
