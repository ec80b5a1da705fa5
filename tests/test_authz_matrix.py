"""Every endpoint × every kind of visitor × GET and POST, against one declared table.

An endpoint missing from ACCESS fails the test, so no new page can be left open by accident.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from tests.conftest import login

VISITORS = ("anonymous", "guest", "customer-admin", "staff", "editor", "system-admin")
STAFF = {"staff", "editor", "system-admin"}
EDITORS = {"editor", "system-admin"}
ADMINS = {"system-admin"}
SIGNED_IN = set(VISITORS) - {"anonymous"}
PUBLIC = set(VISITORS)

# endpoint -> (who may GET, who may POST). An empty set means nobody (refused for everyone signed in).
ACCESS: dict[str, tuple[set, set]] = {
    "home": (PUBLIC, set()),
    "static": (PUBLIC, set()),
    "admin.static": (PUBLIC, set()),
    "auth.login": (PUBLIC, PUBLIC),
    "auth.logout": (PUBLIC, PUBLIC),
    "auth.set_language": (set(), PUBLIC),
    "auth.profile": (SIGNED_IN, SIGNED_IN),
    "auth.change_password": (SIGNED_IN, SIGNED_IN),
    "auth.user_photo": (SIGNED_IN, set()),
    "auth.forgot_password": (PUBLIC, PUBLIC),
    "auth.reset_password": (PUBLIC, PUBLIC),
    # Two-factor: the code step and enrolment answer anyone (without a pending sign-in they go to sign-in)
    "auth.two_factor": (PUBLIC, PUBLIC),
    "auth.two_factor_enrol": (PUBLIC, PUBLIC),
    "auth.two_factor_settings": (SIGNED_IN, set()),
    "auth.two_factor_recovery_codes": (SIGNED_IN, SIGNED_IN),
    "auth.two_factor_disable": (SIGNED_IN, SIGNED_IN),
    "settings.index": (ADMINS, ADMINS),
    "portal.index": (SIGNED_IN, set()),
    "admin.index": (STAFF, set()),
    # Organizations
    "organizations.index_view": (STAFF, set()),
    "organizations.details_view": (STAFF, set()),
    "organizations.ajax_lookup": (STAFF, set()),
    "organizations.create_view": (EDITORS, EDITORS),
    "organizations.edit_view": (EDITORS, EDITORS),
    "organizations.action_view": (set(), STAFF),
    "organizations.soft_delete_view": (ADMINS, ADMINS),
    "organizations.recover_view": (ADMINS, ADMINS),
    "organizations.purge_view": (ADMINS, ADMINS),
    "organizations.ajax_update": (set(), set()),
    "organizations.export": (set(), set()),
    # Customers
    "customers.index_view": (STAFF, set()),
    "customers.details_view": (STAFF, set()),
    "customers.ajax_lookup": (STAFF, set()),
    "customers.create_view": (EDITORS, EDITORS),
    "customers.edit_view": (EDITORS, EDITORS),
    "customers.admin_search_view": (EDITORS, set()),
    "customers.organization_search_view": (EDITORS, set()),
    "customers.discount_letter_search_view": (EDITORS, set()),  # issue 10: the codes in use (the card)
    "customers.action_view": (set(), STAFF),
    "customers.soft_delete_view": (ADMINS, ADMINS),
    "customers.recover_view": (ADMINS, ADMINS),
    "customers.bulk_delete_view": (ADMINS, ADMINS),
    "customers.purge_view": (ADMINS, ADMINS),
    "customers.change_number_view": (ADMINS, ADMINS),  # issue 10: customers.change_number
    "customers.ajax_update": (set(), set()),
    "customers.export": (set(), set()),
    # Customers: shared accounts, export
    "shared_accounts.home": (STAFF, set()),
    "shared_accounts.index": (STAFF, set()),
    "shared_accounts.lookup": (EDITORS, set()),
    "shared_accounts.add": (set(), EDITORS),
    "shared_accounts.remove": (EDITORS, EDITORS),
    # Customers: the Contacts tab (issue 10) and the managed contact roles (system administrators)
    "customer_contacts.index": (STAFF, set()),
    "customer_contacts.new_view": (EDITORS, EDITORS),
    "customer_contacts.edit_view": (EDITORS, EDITORS),
    "customer_contacts.primary_view": (set(), EDITORS),
    "customer_contacts.remove_view": (EDITORS, EDITORS),
    "contact_roles.index": (ADMINS, set()),
    "contact_roles.new_view": (ADMINS, ADMINS),
    "contact_roles.edit_view": (ADMINS, ADMINS),
    "contact_roles.delete_view": (ADMINS, ADMINS),
    "location_groups.index": (ADMINS, set()),  # (issue 11, fields) as contact roles
    "location_groups.new_view": (ADMINS, ADMINS),
    "location_groups.edit_view": (ADMINS, ADMINS),
    "location_groups.delete_view": (ADMINS, ADMINS),
    # Custom fields of the customer register (issue 10; settings.edit: system administrators)
    # Customer groups (issue 11): seen by every staff role, changed by editors; a customer's groups
    # are changed from its page with customers.edit
    "customer_groups.index": (STAFF, set()),
    "customer_groups.details_view": (STAFF, set()),
    "customer_groups.new_view": (EDITORS, EDITORS),
    "customer_groups.settings_view": (set(), EDITORS),
    "customer_groups.edit_view": (set(), EDITORS),
    "customer_groups.move_view": (set(), EDITORS),
    "customer_groups.delete_view": (EDITORS, EDITORS),
    "customer_groups.add_members_view": (set(), EDITORS),
    "customer_groups.remove_members_view": (EDITORS, EDITORS),
    "customer_groups.member_search_view": (EDITORS, set()),
    "customer_groups.group_search_view": (EDITORS, set()),
    "customer_groups.customer_change_view": (EDITORS, EDITORS),
    # (issue 14) assigning users: customers.assign (system administrators and editors)
    "assignments.index": (STAFF, set()),
    "assignments.customer_view": (EDITORS, EDITORS),
    "assignments.bulk_view": (EDITORS, EDITORS),
    "assignments.user_search_view": (EDITORS, set()),
    "customer_groups.customer_leave_view": (EDITORS, EDITORS),
    # Saved views of the customers list (issue 11): anyone who sees the list saves and opens them (the
    # service then lets only the owner rename or delete; sharing needs customers.share_views)
    "saved_views.index": (STAFF, set()),
    "saved_views.save_view": (STAFF, STAFF),
    "saved_views.rename_view": (STAFF, STAFF),
    "saved_views.delete_view": (STAFF, STAFF),
    "custom_fields.index": (ADMINS, set()),
    "custom_fields.new_view": (ADMINS, ADMINS),
    "custom_fields.edit_view": (ADMINS, ADMINS),
    "custom_fields.move_view": (set(), ADMINS),
    "custom_fields.archive_view": (ADMINS, ADMINS),
    "custom_fields.restore_view": (ADMINS, ADMINS),
    "custom_fields.delete_view": (ADMINS, ADMINS),
    "customer_links.home": (STAFF, set()),
    "customer_links.index": (STAFF, set()),
    "customer_links.lookup": (EDITORS, set()),
    "customer_links.add": (set(), EDITORS),
    "customer_links.remove": (EDITORS, EDITORS),
    "customer_export.index": (EDITORS, set()),
    "customer_export.download": (EDITORS, set()),
    "customer_paste.index": (EDITORS, EDITORS),  # (issue 13) GET the page, POST preview or add
    "customer_import.index": (EDITORS, EDITORS),  # (issue 13) the upload page; POST checks a file
    "customer_import.job": (EDITORS, EDITORS),  # an upload's dry run and import (one's own: 404 otherwise)
    "customer_import.status": (EDITORS, set()),  # the job page's progress, JSON (one's own: 404 otherwise)
    # Notifications: staff in the admin, customer admins in the portal
    "notifications.index": (STAFF, set()),
    "notifications.read": (set(), STAFF),
    "notifications.read_all": (set(), STAFF),
    "portal.read": (set(), STAFF | {"customer-admin"}),
    "portal.read_all": (set(), STAFF | {"customer-admin"}),
    # History tabs (notes: the view's edit permission; deleting a note: its author or a system admin;
    # restore: system admins) and the audit log
    "organizations.history_view": (STAFF, set()),
    "organizations.history_note_view": (set(), EDITORS),
    "organizations.history_note_delete_view": (STAFF, STAFF),  # then: the note's author or a system admin
    "organizations.history_restore_view": (ADMINS, ADMINS),
    "customers.history_view": (STAFF, set()),
    "customers.history_note_view": (set(), EDITORS),
    "customers.history_note_delete_view": (STAFF, STAFF),
    "customers.history_restore_view": (ADMINS, ADMINS),
    "users.history_view": (STAFF, set()),
    "users.history_note_view": (set(), ADMINS),
    "users.history_note_delete_view": (STAFF, STAFF),  # then: the note's author or a system admin
    "users.history_restore_view": (ADMINS, ADMINS),
    "audit_log.index": (ADMINS, set()),
    "audit_log.export": (ADMINS, set()),
    # Users
    "users.index_view": (STAFF, set()),
    "roles.index": (STAFF, set()),  # (issue 14) what each role may do: everyone who may view users
    "roles.new_view": (ADMINS, ADMINS),  # … and its editor: roles.edit
    "roles.edit_view": (ADMINS, ADMINS),
    "roles.delete_view": (ADMINS, ADMINS),
    "users.details_view": (STAFF, set()),
    "users.ajax_lookup": (STAFF, set()),
    "users.create_view": (ADMINS, ADMINS),
    "users.edit_view": (ADMINS, ADMINS),
    "users.password_view": (ADMINS, ADMINS),
    "users.delete_user_view": (ADMINS, ADMINS),
    "users.sign_out_view": (ADMINS, ADMINS),
    "users.two_factor_reset_view": (ADMINS, ADMINS),
    "users.action_view": (set(), STAFF),
    "users.ajax_update": (set(), set()),
    "users.export": (set(), set()),
}

# Endpoints whose GET or POST may be reached without signing in; everything else must send
# anonymous visitors to the sign-in page.
ANONYMOUS_OK = {
    "static",
    "admin.static",
    "auth.login",
    "auth.logout",
    "auth.set_language",
    "auth.forgot_password",
    "auth.reset_password",
}


def _url(rule: Rule, user_id: int) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        values[arg] = user_id if isinstance(converter, IntegerConverter) else "x"  # (the app bounds <int:> ids)
    path = rule.build(values, append_unknown=False)[1]
    return path + ("?id=1" if "/admin/" in path else "")


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_endpoint_is_declared(app):
    missing = sorted({r.endpoint for r in _rules(app)} - set(ACCESS))
    assert missing == [], f"declare these endpoints in ACCESS: {missing}"


def _refused(response, visitor: str) -> bool:
    if visitor == "anonymous":
        return response.status_code == 302 and response.location.startswith("/login")
    return response.status_code == 403


@pytest.mark.parametrize("visitor", VISITORS)
def test_access_matrix(app, client, make_user, make_org, visitor):
    make_org()
    user = None
    if visitor != "anonymous":
        user = make_user(role=visitor)
        login(client, user)
    user_id = user.id if user else 1
    failures = []
    for rule in _rules(app):
        if rule.endpoint in ("auth.logout",):
            continue  # signs the visitor out; covered in the auth tests
        who_get, who_post = ACCESS[rule.endpoint]
        url = _url(rule, user_id)
        for method, allowed_set in (("GET", who_get), ("POST", who_post)):
            if method not in rule.methods:
                continue
            # an empty form, sent as a browser sends one (the sign-in forms refuse other bodies with 400)
            response = client.open(url, method=method, data={}, content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (method, url, response.status_code)
            refused = _refused(response, visitor)
            expected_allowed = visitor in allowed_set
            if visitor == "anonymous" and rule.endpoint not in ANONYMOUS_OK:
                expected_allowed = False
            if expected_allowed and refused:
                failures.append(f"{visitor} refused {method} {url} ({response.status_code})")
            if not expected_allowed and not refused:
                failures.append(f"{visitor} not refused {method} {url} ({response.status_code})")
    assert failures == [], "\n".join(failures)
