"""The customer's details page: Overview | Timeline, with every customer change recorded."""

from backoffice.models import Customer
from backoffice.services import customers as customer_service
from backoffice.services import sharing
from tests import factories
from tests.conftest import login


def test_details_page_has_overview_and_timeline_tabs(client, admin, session):
    c = factories.customer(session)
    login(client, admin)
    html = client.get(f"/admin/customers/details/?id={c.id}").get_data(as_text=True)
    assert ">Overview</a>" in html and ">Timeline</a>" in html
    assert f"/admin/customers/history/?id={c.id}" in html


def test_timeline_lists_changes_shares_and_deletion_newest_first(client, admin, session, make_org):
    c = factories.customer(session, organization=make_org(name="Historik AB"), allow_shared_billing=True)
    other = factories.customer(session, organization=make_org(name="Delad AB"))
    customer_service.update_customer(session, admin, c, customer_number="4711")
    sharing.add_shared_account(session, admin, c, other)
    session.commit()
    login(client, admin)
    html = client.get(f"/admin/customers/history/?id={c.id}").get_data(as_text=True)
    assert "4711" in html and "Delad AB" in html
    assert html.index("Delad AB") < html.index("4711")  # the share came after the number change
    sharing_only = client.get(f"/admin/customers/history/?id={c.id}&group=sharing").get_data(as_text=True)
    assert "Delad AB" in sharing_only and "4711" not in sharing_only


def test_a_system_admin_restores_a_customer_number_unless_another_holds_it(client, admin, session):
    c = factories.customer(session, customer_number="100")
    customer_service.update_customer(session, admin, c, customer_number="200")
    session.commit()
    from backoffice.models import HistoryEntry

    entry = session.query(HistoryEntry).filter_by(record_type="customer", record_id=c.id, kind="update").one()
    login(client, admin)
    factories.customer(session, customer_number="100")  # someone else now holds the old number
    response = client.post(
        f"/admin/customers/history/restore/?id={c.id}&entry={entry.id}&field=customer_number", follow_redirects=True
    )
    assert "Another customer already has this customer number." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, c.id).customer_number == "200"


def test_the_top_bar_shows_the_signed_in_user_not_the_customer_admin_on_the_page(client, admin, session):
    c = factories.customer(session)
    login(client, admin)
    html = client.get(f"/admin/customers/details/?id={c.id}").get_data(as_text=True)
    top_bar = html.split('class="bo-topbar"')[1].split("</header>")[0]
    assert ">RA</span>" in top_bar and f">{c.admin.initials}</span>" not in top_bar


def test_every_enumerated_value_in_the_timeline_is_shown_translated(client, make_user, session, make_org):
    """Issue 9: the Timeline said "Typ: business", "Status: INACTIVE" in Swedish; each value has its label."""
    admin = make_user(role="system-admin", email="rot@example.com", first_name="Rut", last_name="Admin",
                      language="sv")
    c = factories.customer(session, organization=make_org(name="Uppräknad AB"))
    customer_service.set_status(session, admin, c, "INACTIVE")
    session.commit()
    login(client, admin)
    html = client.get(f"/admin/customers/history/?id={c.id}").get_data(as_text=True)
    assert "Företag" in html and "Inaktiv" in html and "Aktiv" in html
    assert "business" not in html and "INACTIVE" not in html and ">ACTIVE<" not in html


def test_user_timeline_shows_roles_and_languages_by_their_names(client, admin, make_user, session):
    from backoffice.services import users as user_service

    user = make_user(role="guest", language="en", first_name="Ulla", last_name="User")
    user_service.update_user(session, admin, user, role="staff", language="sv")
    session.commit()
    login(client, admin)
    html = client.get(f"/admin/users/history/?id={user.id}").get_data(as_text=True)
    assert "Guest" in html and "Staff" in html and "Svenska" in html and "English" in html
    assert "→ staff" not in html and ">staff<" not in html and ">sv<" not in html


def test_the_value_labels_cover_every_value_the_models_allow():
    from backoffice.admin.history_labels import VALUE_LABELS
    from backoffice.models.customer import CUSTOMER_LANGUAGES, STATUSES, TYPES
    from backoffice.models.roles import LANGUAGES, ROLES

    assert set(VALUE_LABELS["type"]) == set(TYPES) and set(VALUE_LABELS["status"]) == set(STATUSES)
    # users' languages (en, sv) and customers' and contacts' five (issue 10)
    assert set(LANGUAGES) <= set(CUSTOMER_LANGUAGES)
    assert set(VALUE_LABELS["role"]) == set(ROLES) and set(VALUE_LABELS["language"]) == set(CUSTOMER_LANGUAGES)
