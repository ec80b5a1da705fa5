"""The words the History screens show for what History stores: kinds, record types, fields and every
enumerated value (a customer's type and status, a user's role and language). Presentation, so it lives on
the admin side, where the timeline and the audit log are drawn; services/history stores only the codes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from backoffice.models.customer import CUSTOMER_LANGUAGES, PAYMENT_METHODS
from backoffice.models.roles import BY_CODE, LANGUAGES, ROLE_LABELS
from backoffice.services import countries

KIND_GROUP_LABELS = {
    "changes": _l("Changes"),
    "notes": _l("Notes"),
    "sharing": _l("Sharing"),
    "deletion": _l("Deletion and recovery"),
    "security": _l("Security"),
}
KIND_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "recover": _l("Recovered"),
    "purge": _l("Permanently deleted"),
    "admin_change": _l("Customer admin changed"),
    "archive": _l("Archived"),
    "unarchive": _l("Restored from the archive"),
    "share": _l("Shared"),
    "unshare": _l("Sharing removed"),
    "group_add": _l("Added to group"),  # (issue 11, groups)
    "group_remove": _l("Removed from group"),
    "import": _l("Imported"),  # (issue 13)
    "assign": _l("User assigned"),  # (issue 14)
    "unassign": _l("User unassigned"),
    "link": _l("Linked"),
    "unlink": _l("Link removed"),
    "note": _l("Note"),
    "note_deleted": _l("Note deleted"),
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "signed_out_everywhere": _l("Signed out everywhere by an administrator"),
    "password_changed": _l("Password changed"),
    "two_factor_enabled": _l("Two-factor sign-in turned on"),
    "two_factor_disabled": _l("Two-factor sign-in turned off"),
    "two_factor_reset": _l("Two-factor sign-in reset by an administrator"),
    "two_factor_failed": _l("Wrong two-factor code"),
    "two_factor_passed": _l("Two-factor code accepted"),
    "two_factor_recovery_used": _l("Recovery code used"),
    "two_factor_remembered": _l("Two-factor step skipped on a remembered device"),
    "recovery_codes_regenerated": _l("New recovery codes made"),
}
RECORD_TYPE_LABELS = {
    "customer": _l("Customer"),
    "organization": _l("Organization"),
    "user": _l("User"),
    "billing_info": _l("Billing information"),
    "register_settings": _l("Register settings"),
    "customer_contact": _l("Contact"),
    "customer_address": _l("Address"),
    "contact_role": _l("Contact role"),
    "custom_field": _l("Custom field"),
    "customer_group": _l("Customer group"),  # (issue 11, groups)
    "saved_view": _l("Saved view"),  # (issue 11, views)
    "customer_import": _l("Customers added at once"),  # (issue 13)
    "role": _l("Role"),  # (issue 14)
}
# The labels of fields as the timeline shows them ("Name: old → new").
FIELD_LABELS = {
    "name": _l("Name"),
    "org_number": _l("Organization number"),
    "legal_form": _l("Legal form"),
    "digital_address": _l("Digital address"),
    "address": _l("Address"),
    "post_number": _l("Post number"),
    "region": _l("Region"),
    "municipality": _l("Municipality"),
    "country": _l("Country"),
    "phone": _l("Phone"),
    "website": _l("Website"),
    "email": _l("E-mail"),
    "first_name": _l("First name"),
    "title": _l("Title"),
    "role_id": _l("Contact role"),
    "is_primary": _l("Primary contact"),
    "is_person": _l("The private customer's own person"),  # (issue 11, private)
    "send_service_protocol": _l("Send service protocol"),
    "send_work_orders": _l("Send work orders"),
    "last_name": _l("Last name"),
    "language": _l("Language"),
    "timezone": _l("Time zone"),
    "role": _l("Role"),
    "active": _l("Active"),
    "must_change_password": _l("Must change password"),
    "password": _l("Password"),
    "photo": _l("Photo"),
    "type": _l("Type"),
    "organization_id": _l("Organization"),
    "admin_user_id": _l("Customer admin"),
    "status": _l("Status"),
    "customer_number": _l("Customer number"),
    "allow_shared_billing": _l("Allow shared billing"),
    "responsible_person": _l("Responsible person"),
    "shared_account": _l("Shared account"),
    "parent_company_of": _l("Parent company of"),
    "subsidiary_of": _l("Subsidiary of"),
    "partner_of": _l("Partner of"),
    "linked_to": _l("Linked to"),
    "deleted_at": _l("Deleted"),
    # the customer card (issue 10, card)
    "cost_center": _l("Cost center"),
    "payment_method": _l("Payment method"),  # (issue 11, fields)
    "location_group_id": _l("Location group"),
    # (issue 13) an import's counts
    "customers_added": _l("Customers added"),
    "customers_updated": _l("Customers updated"),
    "lines_not_added": _l("Lines not added"),
    "customers_unchanged": _l("Customers unchanged"),  # (a register upload's)
    "rows_rejected": _l("Rows rejected"),
    "discount_letter": _l("Discount letter"),
    "kind": _l("Kind"),
    "street": _l("Street address"),
    "city": _l("City"),
    # a custom field's definition (the values' changes carry their field's label: "Industry: Energy → Retail")
    "label": _l("Label"),
    "field_type": _l("Type"),
    "options": _l("Options"),
    "required": _l("Required"),
    "position": _l("Order"),
    "require_two_factor_for_admins": _l("Require two-factor sign-in for system administrators"),
    "customer_number_min_length": _l("Customer number minimum length"),
    "customer_number_max_length": _l("Customer number maximum length"),
    "auto_customer_number": _l("Automatically generate the next customer number"),
    "number_in_display_name": _l("Include the customer number in the display name"),
    "show_language": _l("Show language"),
    "show_cost_center": _l("Show cost-center field"),
    "view_service_items": _l("View service items"),
    "view_work_order_items": _l("View work-order items"),
    "default_region": _l("Default region for phone numbers"),
    # customer groups (issue 11): a group's fields and settings, a customer's groups and own settings
    "description": _l("Description"),
    "priority": _l("Priority"),
    "automatic_settlement": _l("Automatic settlement"),
    "payment_terms_days": _l("Payment terms (days)"),
    "groups": _l("Customer groups"),
    "permissions": _l("Permissions"),  # (issue 14) a role's, listed by their labels
    "assigned_users": _l("Assigned users"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ").capitalize()))


# The types of a custom field (models/custom_field.FIELD_TYPES), as the custom-fields page and History say them.
CUSTOM_FIELD_TYPE_LABELS = {
    "text": _l("Text"),
    "number": _l("Number"),
    "date": _l("Date"),
    "yesno": _l("Yes/no"),
    "choice": _l("Choice"),
}

# field -> {stored value -> what people read}: a timeline says "Type: Business", never "Type: business".
VALUE_LABELS = {
    "type": {"business": _l("Business"), "private": _l("Private person")},
    "field_type": CUSTOM_FIELD_TYPE_LABELS,
    "status": {"ACTIVE": _l("Active"), "INACTIVE": _l("Inactive")},
    "role": ROLE_LABELS,
    # the customers' five (a superset of the UI's en/sv, whose own names a user's timeline keeps)
    "language": {**CUSTOMER_LANGUAGES, **LANGUAGES},
    "payment_method": PAYMENT_METHODS,  # (issue 11, fields)
    "kind": {"visiting": _l("Visiting address"), "email": _l("E-mail address for messages")},
}


COUNTRY_FIELDS = frozenset({"country", "default_region"})  # ISO codes, named by services/countries.py


def value_label(field: str, value):
    """The translated label of an enumerated value, or None when ``field`` has no such list."""
    if field in COUNTRY_FIELDS and isinstance(value, str) and value:
        return countries.name(value)  # "Country: Sweden → Norway", in the reader's language
    if field == "permissions" and isinstance(value, list):  # a role's, in the reader's language
        return ", ".join(str(BY_CODE[code].label) if code in BY_CODE else code for code in value) or "—"
    labels = VALUE_LABELS.get(field)
    if labels is None or not isinstance(value, str) or value not in labels:
        return None
    return str(labels[value])
