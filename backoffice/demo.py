"""Deterministic demo data: the same records every time, and nothing added twice.

A client of the services (like the CLI that runs it: `flask seed-demo`), not one of them: it makes records
through the same service functions a user would.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from backoffice.models import Customer, Organization, SharedAccount, User
from backoffice.models.organization import org_number_key
from backoffice.models.customer import PAYMENT_METHODS  # (issue 11, fields)
from backoffice.services import contacts as contact_service
from backoffice.services import customers as customer_service
from backoffice.services import org_numbers
from backoffice.services import organizations as org_service
from backoffice.services import users as user_service

DEMO_PASSWORD = "demo-password-2026"
# The demo system administrator signs in with two-factor (required for system administrators in a new
# installation) using this published TOTP secret; `seed-demo` prints how to compute the code. Demo only.
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_TOTP_SECRET = "DEMOADMINTOTPSECRETDEMOADMINTOTP"

# (e-mail, first, last, role, language, note) — printed by `make run` and `flask seed-demo`.
DEMO_LOGINS = [
    ("admin@example.com", "Astrid", "Admin", "system-admin", "en", "system administrator: everything"),
    ("editor@example.com", "Erik", "Editor", "editor", "sv", "editor: create and edit, no delete"),
    ("staff@example.com", "Sara", "Staff", "staff", "en", "staff: view only"),
    ("guest@example.com", "Gustav", "Guest", "guest", "en", "guest: may sign in, no back office"),
    ("customer@example.com", "Cecilia", "Customer", "customer-admin", "en",
     "customer admin: the portal (/portal/), with unread notifications"),
    ("auditor@example.com", "Alva", "Auditor", "auditor", "sv",
     "auditor: a role made on the roles page (read-only, with the audit log)"),
    ("technician@example.com", "Tim", "Tekniker", "technician", "sv",
     "technician: sees and edits only the customers assigned to them"),
    ("tina@example.com", "Tina", "Tekniker", "technician", "en", "technician: another one, other customers"),
]
DEMO_CUSTOMER_ADMIN = "customer@example.com"

FIRST = ["Anna", "Johan", "Maria", "Lars", "Karin", "Per", "Eva", "Nils", "Sofia", "Olof",
         "Ingrid", "Mikael", "Elin", "Anders", "Lena", "Jonas", "Maja", "Henrik", "Ida", "Oskar"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
        "Svensson", "Gustafsson", "Pettersson", "Jonsson"]
ORG_WORDS = ["Nordic", "Fjäll", "Skog", "Hav", "Sol", "Berg", "Älv", "Ljus", "Vind", "Sten", "Ek", "Björk"]
ORG_KINDS = ["Bygg", "Konsult", "Teknik", "Logistik", "Media", "Energi", "Vård", "Data", "Design", "Service"]
LEGAL = ["Aktiebolag", "Handelsbolag", "Ekonomisk förening", "Enskild firma"]
PLACES = [
    ("Stockholm", "Stockholms län", "111 22"),
    ("Göteborg", "Västra Götalands län", "411 03"),
    ("Malmö", "Skåne län", "211 20"),
    ("Uppsala", "Uppsala län", "753 10"),
    ("Umeå", "Västerbottens län", "903 26"),
    ("Luleå", "Norrbottens län", "972 31"),
]
ROLE_CYCLE = ["guest", "guest", "guest", "staff", "editor", "guest", "system-admin", "guest"]


def demo_users() -> list[dict]:
    rows = [
        dict(email=e, first_name=f, last_name=l, role=r, language=lang) for e, f, l, r, lang, _ in DEMO_LOGINS
    ]
    for i in range(80):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        rows.append(
            dict(
                email=f"{first}.{last}.{i + 1}@example.com".lower().replace("å", "a").replace("ä", "a").replace("ö", "o"),
                first_name=first,
                last_name=last,
                role=ROLE_CYCLE[i % len(ROLE_CYCLE)],
                language="sv" if i % 3 == 0 else "en",
            )
        )
    return rows


def demo_photo(seed: int) -> bytes:
    """A small deterministic picture: a coloured background with a lighter disc."""
    import io

    from PIL import Image, ImageDraw

    hue = (seed * 47) % 360
    img = Image.new("HSV", (96, 96), (hue * 255 // 360, 110, 200)).convert("RGB")
    ImageDraw.Draw(img).ellipse((24, 14, 72, 62), fill=(240, 230, 220))
    ImageDraw.Draw(img).ellipse((10, 60, 86, 130), fill=(240, 230, 220))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# Most demo organizations are Swedish; every eighth one is Norwegian, Finnish or German in turn, all with
# numbers valid for their country (the check digit computed here).
_DEMO_ABROAD = {3: "NO", 11: "FI", 19: "DE"}


def demo_org_number(i: int) -> tuple[str, str]:
    """(country, a valid organization number of it) for demo organization ``i``."""
    country = _DEMO_ABROAD.get(i % 24, "SE")
    if country == "SE":
        return country, org_numbers.swedish_number(f"55{i:04d}{(i * 37) % 1000:03d}")
    length = {"NO": 8, "FI": 7, "DE": 8}[country]  # the digits before the check digit
    base = int(f"9{i:03d}{(i * 37) % 1000:03d}".ljust(length, "1")[:length])
    while True:
        for digit in "0123456789":
            candidate = f"{base:0{length}d}{digit}"
            if org_numbers.is_valid(country, candidate):
                return country, org_numbers.check(country, candidate).number
        base += 1  # (a mod-11 number with no possible check digit: the next one)


LEGACY_ORGANIZATIONS = (("Gamla Registret AB", "559990001"), ("Arkivdata HB", "559990002"))


def demo_org_number_kept_from_before(session, actor=None) -> int:
    """Two organizations whose numbers fail their country's rule, as records entered before numbers were
    checked, so the list filter "Numbers that fail validation" has something to find. Made through the
    service with a valid number, then its check digit is put off by one straight in the table (no service
    accepts such a number any more), as the data migration finds such records."""
    from sqlalchemy import update

    if session.scalar(select(func.count()).select_from(Organization).where(Organization.org_number_valid.is_(False))):
        return 0
    added = 0
    for name, digits in LEGACY_ORGANIZATIONS:
        if session.scalar(select(Organization.id).where(Organization.name == name)) is not None:
            continue
        org = org_service.create_organization(session, actor, name=name, org_number=org_numbers.swedish_number(digits),
                                              country="SE", municipality="Uppsala", phone="018-12 34 56")
        key = org.org_number_key
        wrong = key[:-1] + str((int(key[-1]) + 1) % 10)
        session.execute(update(Organization).where(Organization.id == org.id).values(
            org_number=f"{wrong[:6]}-{wrong[6:]}", org_number_key=wrong, org_number_valid=False))
        added += 1
    session.expire_all()
    return added


def demo_organizations() -> list[dict]:
    rows = []
    for i in range(64):
        city, region, post = PLACES[i % len(PLACES)]
        name = f"{ORG_WORDS[i % len(ORG_WORDS)]}{ORG_KINDS[(i * 3) % len(ORG_KINDS)].lower()} {LEGAL[i % 2][:2].upper()}"
        name = f"{name} {i + 1:02d}" if i >= len(ORG_WORDS) else name
        country, number = demo_org_number(i)
        rows.append(
            dict(
                name=name,
                org_number=number,
                legal_form=LEGAL[i % len(LEGAL)],
                digital_address=f"0007:{5500000000 + i}",
                address=f"Storgatan {i + 1}",
                post_number=post,
                region=region,
                municipality=city,
                country=country,
                phone=f"+46 8 {100000 + i * 13}",
                website=f"https://example-{i + 1}.se",
                email=f"info@example-{i + 1}.se",
            )
        )
    return rows


DEMO_CUSTOMERS = 48
CUSTOMER_ADMIN_FIRST = ["Alva", "Bo", "Cecilia", "David", "Ebba", "Filip", "Greta", "Hugo", "Irma", "Jakob",
                        "Klara", "Linus", "Moa", "Nils", "Olivia", "Pontus"]


def demo_customer_admins() -> list[dict]:
    """One guest per demo customer (creating a customer makes them its customer admin)."""
    rows = []
    for i in range(DEMO_CUSTOMERS):
        first, last = CUSTOMER_ADMIN_FIRST[i % len(CUSTOMER_ADMIN_FIRST)], LAST[(i * 5) % len(LAST)]
        rows.append(
            dict(
                email=f"kund{i + 1:02d}@example.com",
                first_name=first,
                last_name=last,
                role="guest",
                language="sv" if i % 2 else "en",
            )
        )
    return rows


def seed_customers(session, actor=None) -> int:
    """48 customers in every state: active, inactive, soft-deleted, with and without billing information.

    Their admins are the kundNN@example.com guests; the other demo guests stay free to pick.
    """
    if session.scalar(select(func.count()).select_from(Customer)):
        return 0
    orgs = list(
        session.scalars(
            select(Organization).where(Organization.deleted_at.is_(None)).order_by(Organization.org_number_key).limit(DEMO_CUSTOMERS)
        )
    )
    added = 0
    for i, (org, row) in enumerate(zip(orgs, demo_customer_admins(), strict=False)):
        admin = user_service.get_by_email(session, row["email"])
        if admin is None or admin.role != "guest":
            continue
        city, _region, post = PLACES[i % len(PLACES)]
        customer = customer_service.create_customer(
            session,
            actor,
            organization_id=org.id,
            admin_user_id=admin.id,
            status="INACTIVE" if i % 4 == 1 else "ACTIVE",
            customer_number=None if i % 7 == 3 else f"{100100 + i * 7}",
            allow_shared_billing=i % 5 in (0, 2),
            billing=(
                dict(
                    digital_address=f"0007:{7700000000 + i}",
                    address=f"Fakturavägen {i + 1}",
                    post_number=post,
                    municipality=city,
                    phone=f"+46 10 {2000000 + i * 17}",
                    email=f"faktura{i + 1}@example.com",
                    responsible_person=f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}",
                )
                if i % 3 == 0
                else None
            ),
        )
        if i % 7 == 5:  # spread over the alphabet, so the first page shows every state
            customer_service.soft_delete_customer(session, actor, customer)
        added += 1
    session.flush()
    return added


def seed(session, actor=None) -> dict:
    """Add whatever demo record is missing; returns how many of each were added."""
    added = {"users": 0, "organizations": 0, "customers": 0}
    added["roles"] = seed_roles(session, actor)  # (issue 14) before the users: the auditor has one of them
    for i, row in enumerate(demo_users() + demo_customer_admins()):
        if user_service.get_by_email(session, row["email"]) is None:
            # a customer admin is made one by becoming a customer's admin (seed_sharing, below)
            row = {**row, "role": "guest" if row["role"] == "customer-admin" else row["role"]}
            user = user_service.create_user(session, actor, **row, password=DEMO_PASSWORD)
            if i % 4 == 1:  # some have a photo (a round avatar), the others show their initials
                user_service.set_photo(session, actor, user, demo_photo(i))
            added["users"] += 1
    for row in demo_organizations():
        key = org_number_key(row["org_number"])
        if session.scalar(select(Organization.id).where(Organization.org_number_key == key)) is None:
            org_service.create_organization(session, actor, **row)
            added["organizations"] += 1
    # A few deleted organizations, so the DELETED badge shows at once.
    deleted = session.scalar(select(func.count()).select_from(Organization).where(Organization.deleted_at.is_not(None)))
    if not deleted:
        for org in session.scalars(select(Organization).order_by(Organization.org_number_key).offset(60).limit(3)):
            org_service.soft_delete_organization(session, actor, org)
    added["organizations with old failing numbers"] = demo_org_number_kept_from_before(session, actor)
    _enrol_demo_admin(session)
    _demo_settings(session, actor)
    added["customers"] = seed_customers(session, actor)
    added["shared accounts"] = seed_sharing(session, actor)
    added["contacts"] = seed_contacts(session, actor)
    added["customer links"] = seed_links(session, actor)
    added["customer cards"] = seed_card(session, actor)  # (issue 10, card)
    added["custom fields"] = seed_custom_fields(session, actor)
    added["customer groups"] = seed_customer_groups(session, actor)  # (issue 11, groups)
    added["private customers"] = seed_private_customers(session, actor)  # (issue 11, private)
    added["customers added at once"] = seed_pasted_customers(session, actor)  # (issue 13)
    added["customers imported from a file"] = seed_imported_register(session, actor)
    added["saved views"] = seed_saved_views(session)  # (issue 11, views)
    added["location groups"] = seed_customer_fields(session, actor)  # (issue 11, fields)
    added["assigned users"] = seed_assignments(session, actor)  # (issue 14)
    added["history notes"] = _seed_history(session)
    return added


def _demo_settings(session, actor) -> None:
    """The customers' register settings, once (while they are the installation's defaults): customer
    numbers of 4–10 digits, the next one generated for a customer added without one."""
    from backoffice.services import settings

    row = settings.get(session)
    if (row.customer_number_min_length, row.customer_number_max_length, row.auto_customer_number) == (1, 64, False):
        settings.update(session, actor, customer_number_min_length=4, customer_number_max_length=10,
                        auto_customer_number=True)



# --- the customer card (issue 10, card): addresses, languages, discount letters, cost centers ---------------
DEMO_CODES = ["A", "B", "K2", "VIP", "RAB10", "SERV"]
DEMO_LANGUAGES = ["sv", "en", "nb", "fi", "de", None]


def seed_card(session, actor=None) -> int:
    """Once (while no customer has a visiting or mail address): the register shows language and cost center,
    and a dozen live customers get a visiting address and/or a mail address, a language, discount letters and
    a cost center. Returns how many customers were given card data."""
    from backoffice.models import Address
    from backoffice.services import addresses as address_service
    from backoffice.services import settings

    if session.scalar(select(func.count()).select_from(Address)):
        return 0
    row = settings.get(session)
    if not (row.show_language and row.show_cost_center):
        settings.update(session, actor, show_language=True, show_cost_center=True)
    live = session.scalars(
        select(Customer).join(Organization).where(Customer.deleted_at.is_(None))
        .order_by(Organization.name, Customer.id).limit(12)
    ).all()
    for i, customer in enumerate(live):
        city, _region, post = PLACES[i % len(PLACES)]
        customer_service.update_customer(
            session, actor, customer,
            language=DEMO_LANGUAGES[i % len(DEMO_LANGUAGES)],
            cost_center=f"KS-{100 + i * 10}" if i % 3 != 2 else None,
            discount_letters=[DEMO_CODES[i % len(DEMO_CODES)], *([DEMO_CODES[(i + 2) % len(DEMO_CODES)]] if i % 2 else [])],
        )
        if i % 4 != 3:
            address_service.set_address(session, actor, customer, "visiting", street=f"Besöksgatan {i + 3}",
                                        post_number=post, city=city, country="Sverige")
        if i % 3 != 1:
            address_service.set_address(session, actor, customer, "email", email=f"meddelanden{i + 1}@example.com")
    session.flush()
    return len(live)
# --- end customer card


DEMO_TITLES = ["CEO", "Property manager", "Accountant", "Caretaker", "Operations manager"]


def seed_contacts(session, actor=None) -> int:
    """A few live customers get 2–3 contacts each, the first one primary; the three starting roles."""
    from backoffice.models import Contact

    if session.scalar(select(func.count()).select_from(Contact)):
        return 0
    contact_service.ensure_default_roles(session, actor)
    roles = contact_service.roles(session)
    live = session.scalars(
        select(Customer).join(Organization).where(Customer.deleted_at.is_(None))
        .order_by(Organization.name, Customer.id).limit(6)
    )
    added = 0
    for i, customer in enumerate(live):
        for j in range(2 + i % 2):
            n = i * 3 + j
            first, last = FIRST[(n + 3) % len(FIRST)], LAST[(n + 5) % len(LAST)]
            contact_service.add_contact(
                session, actor, customer,
                first_name=first, last_name=last, title=DEMO_TITLES[n % len(DEMO_TITLES)],
                role_id=roles[n % len(roles)].id if roles else None,
                email=f"{first.lower()}.{last.lower()}@example.com".replace("ö", "o").replace("å", "a").replace("ä", "a"),
                phone=f"070-{3000000 + n * 13}", language="sv" if n % 3 else "en",
                send_service_protocol=j == 0, send_work_orders=j == 1, is_primary=j == 0,
            )
            added += 1
    session.flush()
    return added


DEMO_INDUSTRIES = ["Property management", "Construction", "Energy", "Retail", "Health care"]


def seed_custom_fields(session, actor=None) -> int:
    """The register's custom fields (seed 001): a date, a choice, a yes/no, a number and an archived text
    field, with values on some live customers (through the services, so History has them). Returns how
    many definitions it added."""
    from backoffice.services import custom_fields

    if custom_fields.all_definitions(session):
        return 0
    contract = custom_fields.create_definition(session, actor, label="Contract end", type="date")
    industry = custom_fields.create_definition(session, actor, label="Industry", type="choice",
                                               options="\n".join(DEMO_INDUSTRIES))
    key_account = custom_fields.create_definition(session, actor, label="Key account", type="yesno")
    sites = custom_fields.create_definition(session, actor, label="Number of sites", type="number")
    old = custom_fields.create_definition(session, actor, label="Old CRM id", type="text")
    live = session.scalars(
        select(Customer).join(Organization).where(Customer.deleted_at.is_(None))
        .order_by(Organization.name, Customer.id).limit(8)
    ).all()
    for i, customer in enumerate(live):
        values = {industry.id: DEMO_INDUSTRIES[i % len(DEMO_INDUSTRIES)], old.id: f"CRM-{1000 + i}"}
        if i % 2 == 0:
            values[contract.id] = f"{2027 + i % 3}-{(i % 12) + 1:02d}-{28 - i:02d}"
            values[sites.id] = str(1 + i * 3)
        if i % 3 == 0:
            values[key_account.id] = True
        customer_service.update_customer(session, actor, customer, custom_values=values)
    custom_fields.archive_definition(session, actor, old)  # hidden; its values kept
    session.flush()
    return 5


# --- customer groups (issue 11): different priorities and settings; some customers in two groups, so the
# order shows, and one with its own override
DEMO_GROUPS = [
    ("Key accounts", "Our largest customers: automatic settlement, short terms.", True, 10),
    ("Public sector", "Municipalities and regions: 30 days by law.", None, 30),
    ("Small business", "Small companies: invoices settled by hand.", False, None),
    ("Seasonal", "Customers active part of the year; no settings of their own.", None, None),
]


def seed_customer_groups(session, actor=None) -> int:
    """The customer groups and their members (through the services, so History has them). Returns how
    many groups it added."""
    from backoffice.services import customer_groups

    if customer_groups.all_groups(session):
        return 0
    groups = [customer_groups.create_group(session, actor, name=name, description=description,
                                           automatic_settlement=settlement, payment_terms_days=days)
              for name, description, settlement, days in DEMO_GROUPS]
    key, public, small, seasonal = groups
    live = session.scalars(
        select(Customer).join(Organization).where(Customer.deleted_at.is_(None))
        .order_by(Organization.name, Customer.id).limit(16)
    ).all()
    for i, customer in enumerate(live):
        chosen = [(key, public), (public,), (small, public), (small,), (seasonal, small), (key,), (), ()][i % 8]
        if chosen:
            customer_groups.set_memberships(session, actor, customer, list(chosen))
    if live:
        # its own terms beat every group it is in
        customer_service.update_customer(session, actor, live[0], payment_terms_days=20)
    session.flush()
    return len(groups)


# --- saved views of the customers list (issue 11): one shared by the administrator, one the editor's own,
# so the "Saved views" menu shows both kinds at once (each user saves as themselves)
DEMO_SAVED_VIEWS = [
    ("admin@example.com", "Active key accounts", {"status": "active", "group": "Key accounts"}, True),
    ("editor@example.com", "Inactive customers", {"status": "inactive", "sort": 0, "desc": True}, False),
]


def seed_saved_views(session) -> int:
    """The demo's saved views, saved by their owners through the service. Returns how many it added."""
    from backoffice.models import CustomerGroup, SavedView
    from backoffice.services import saved_views

    if session.scalar(select(func.count()).select_from(SavedView)):
        return 0
    added = 0
    for email, name, params, shared in DEMO_SAVED_VIEWS:
        owner = user_service.get_by_email(session, email)
        if owner is None:
            continue
        if "group" in params:
            group_id = session.scalar(select(CustomerGroup.id).where(CustomerGroup.name == params["group"]))
            params = {**params, "group": group_id}
        saved_views.save(session, owner, name, params, shared=shared)
        added += 1
    session.flush()
    return added


# --- (issue 11, fields): districts, and payment methods and districts spread over the customers
DEMO_LOCATION_GROUPS = ("North", "South", "City", "Archipelago")


def seed_customer_fields(session, actor=None) -> int:
    """The location groups and the customers' payment methods and location groups (through the services,
    so History has them); some customers keep neither set. Returns how many location groups it added."""
    from backoffice.services import location_groups

    if location_groups.location_groups(session):
        return 0
    groups = [location_groups.create(session, actor, name) for name in DEMO_LOCATION_GROUPS]
    methods = (*PAYMENT_METHODS, None)
    live = session.scalars(
        select(Customer).join(Organization).where(Customer.deleted_at.is_(None)).order_by(Organization.name, Customer.id)
    ).all()
    for i, customer in enumerate(live):
        group = groups[i % 3] if i % 5 != 4 else None  # (Archipelago stays empty: it can be deleted)
        customer_service.update_customer(session, actor, customer, payment_method=methods[i % len(methods)],
                                         location_group_id=group.id if group else None)
    session.flush()
    return len(groups)
# --- end (issue 11, fields)


# --- (issue 11, private) a few private customers (seed 003: a person added by e-mail and phone), one in a
# group, one inactive, so the customer type filter and the person's page show at once
DEMO_PRIVATE = [
    ("Astrid", "Lindqvist", "astrid.lindqvist@example.com", "070-111 22 33", "ACTIVE", "Small business"),
    ("Bertil", "Nyström", "bertil.nystrom@example.com", "070-222 33 44", "ACTIVE", None),
    ("Cecilia", "Åberg", "cecilia.aberg@example.com", None, "INACTIVE", None),
]


def seed_private_customers(session, actor=None) -> int:
    """The demo's private customers, through the services (History has them). Returns how many it added."""
    from backoffice.services import customer_groups

    if session.scalar(select(func.count()).select_from(Customer).where(Customer.type == "private")):
        return 0
    groups = {g.name: g for g in customer_groups.all_groups(session)}
    for first, last, email, phone, status, group in DEMO_PRIVATE:
        customer_service.create_customer(
            session, actor, customer_type="private", status=status,
            person={"first_name": first, "last_name": last, "email": email, "phone": phone},
            group_ids=[groups[group].id] if group in groups else None,
        )
    session.flush()
    return len(DEMO_PRIVATE)
# --- end (issue 11, private)


# --- (issue 13) a few private customers added at once, as seed 003's "Add multiple customers" pastes them: the
# audit log shows the paste ("Imported", with its counts) and each customer its own History
DEMO_PASTE = """e-post;förnamn;efternamn;telefon
david.holm@example.com;David;Holm;070-333 44 55
eva.sand@example.com;Eva;Sand;
fredrik.alm@example.com;Fredrik;Alm;08-123 456 78
"""


# (issue 14) a role made through the roles page's own service: read-only, with the audit log.
DEMO_ROLES = [
    ("Auditor", "Reads every register and the audit log; changes nothing.",
     ["admin.access", "audit.view", "customers.view", "groups.view", "organizations.view", "users.view"]),
]


def seed_roles(session, actor=None) -> int:
    """DEMO_ROLES, each once (by name). Returns how many were added."""
    from backoffice.models import Role
    from backoffice.services import roles as role_service

    added = 0
    for name, description, permissions in DEMO_ROLES:
        if session.scalar(select(Role.id).where(Role.name == name)) is None:
            role_service.create_role(session, actor, name=name, description=description, permissions=permissions)
            added += 1
    return added


# (issue 14) who looks after which customers: the editor, the staff user and the two technicians, each told by a
# notification; each pair of users shares some customers.
DEMO_ASSIGNED = {"editor@example.com": 4, "staff@example.com": 3,
                 "technician@example.com": 3, "tina@example.com": 2}  # (the technicians see only theirs)


def seed_assignments(session, actor=None) -> int:
    """The first active customers by name assigned to DEMO_ASSIGNED's users by the administrator, once (when
    nobody is assigned yet). Returns how many assignments were made."""
    from backoffice.models import CustomerAssignment
    from backoffice.services import assignments

    if session.scalar(select(CustomerAssignment.customer_id).limit(1)) is not None:
        return 0
    admin = user_service.get_by_email(session, DEMO_ADMIN_EMAIL) or actor
    customers = list(session.scalars(select(Customer).where(Customer.deleted_at.is_(None), Customer.status == "ACTIVE")
                                     .order_by(Customer.display_name, Customer.id).limit(12)))
    made = 0
    for offset, (email, count) in enumerate(DEMO_ASSIGNED.items()):
        user = user_service.get_by_email(session, email)
        if user is not None:
            made += assignments.assign(session, admin, customers[offset * 2:offset * 2 + count], user)
    return made


def seed_pasted_customers(session, actor=None) -> int:
    """The paste above, by the editor, into the group "Seasonal"; once. Returns how many it added."""
    from backoffice.models import HistoryEntry
    from backoffice.services import customer_groups, customer_paste

    if session.scalar(select(HistoryEntry.id).where(HistoryEntry.kind == "import").limit(1)) is not None:
        return 0
    editor = user_service.get_by_email(session, "editor@example.com") or actor
    groups = [g.id for g in customer_groups.all_groups(session) if g.name == "Seasonal"]
    added = customer_paste.add(session, editor, DEMO_PASTE, group_ids=groups)
    return len(added.created)


# --- (issue 13) a register moved in from another installation, uploaded by the system administrator: its file
# is kept on the import's job ("Your recent imports"), the audit log shows the import with its counts, and the
# file's group "Flyttade kunder" was created by it. Swedish headers, as our own Swedish export writes them.
DEMO_REGISTER = """\ufeffNamn;Kundtyp;Organisation;Organisationsnummer;Land;Kommun;Kundnummer;Status;Kundadministratör;Kundadministratörens e-post;Kundgrupper
Fjällbacka Fisk AB;Företag;Fjällbacka Fisk AB;559001-0376;SE;Fjällbacka;;AKTIV;Sara Fjäll;sara@fjallbackafisk.example;Flyttade kunder
Ljusnan Kraft AB;Företag;Ljusnan Kraft AB;559002-0748;SE;Bollnäs;;AKTIV;Leo Ljus;leo@ljusnankraft.example;Flyttade kunder
Vättern Båt HB;Företag;Vättern Båt HB;559003-1117;SE;Hjo;;INAKTIV;Mona Vätter;mona@vatternbat.example;Flyttade kunder
"""


def seed_imported_register(session, actor=None) -> int:
    """DEMO_REGISTER imported by the system administrator, once. Returns how many customers it added."""
    from backoffice.models import ImportJob
    from backoffice.services import import_jobs

    if session.scalar(select(ImportJob.id).limit(1)) is not None:
        return 0
    admin = user_service.get_by_email(session, DEMO_ADMIN_EMAIL) or actor
    job = import_jobs.upload(session, admin, DEMO_REGISTER.encode("utf-8"), "flyttat-register.csv",
                             max_bytes=1024 * 1024)
    import_jobs.check(session, admin, job)  # (the dry run at once, as a worker would run it)
    report = import_jobs.execute(session, admin, job, create_missing=True)
    return report.counts["create"]


def _enrol_demo_admin(session) -> None:
    """admin@example.com has two-factor on with DEMO_TOTP_SECRET (no recovery codes), once."""
    from backoffice.models import UserTwoFactor
    from backoffice.models.base import utcnow

    admin = user_service.get_by_email(session, DEMO_ADMIN_EMAIL)
    if admin is not None and session.get(UserTwoFactor, admin.id) is None:
        session.add(UserTwoFactor(user_id=admin.id, secret=DEMO_TOTP_SECRET, enabled_at=utcnow()))
        session.flush()


def _seed_history(session) -> int:
    """Edits and notes by the demo users, so every History tab and the audit log have something to show.

    Creation entries come by themselves (the recorder sees every service write); this adds a few edits
    made as the demo editor and admin (each service records the actor it is given), and notes. Runs once: nothing is added when notes exist.
    """
    from backoffice.models import HistoryEntry
    from backoffice.services import history

    if session.scalar(select(func.count()).select_from(HistoryEntry).where(HistoryEntry.kind == "note")):
        return 0
    session.flush()
    admin = user_service.get_by_email(session, "admin@example.com")
    editor = user_service.get_by_email(session, "editor@example.com")
    first = session.scalars(select(Organization).order_by(Organization.org_number_key).limit(3)).all()
    notes = 0
    for i, org in enumerate(first):
        org_service.update_organization(session, editor, org, phone=f"+46 8 555 {100 + i}",
                                        website=f"https://www.example-{i + 1}.se")
        org_service.update_organization(session, admin, org, address=f"Kungsgatan {10 + i}")
        history.add_note(session, editor, "organization", org.id, org.name,
                         "Called about the new invoice address; they will send it by e-mail.")
        history.add_note(session, admin, "organization", org.id, org.name, "Checked the organization number.")
        notes += 2
    # One organization with a long history, so the timeline loads more as you scroll.
    if first:
        org = first[0]
        for n in range(1, 31):
            org_service.update_organization(session, editor, org, region=f"Region {n}")
        org_service.update_organization(session, editor, org, region="Stockholms län")
    guest = user_service.get_by_email(session, "guest@example.com")
    if guest is not None and admin is not None:
        user_service.update_user(session, admin, guest, timezone="Europe/Helsinki")
        history.add_note(session, admin, "user", guest.id, guest.full_name, "Asked for a portal account; waiting.")
        notes += 1
    return notes


def is_empty(session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) == 0


def _free_organizations(session):
    """Organizations that are not deleted and have no customer yet, in a stable order."""
    taken = select(Customer.organization_id).where(Customer.organization_id.is_not(None))
    return session.scalars(
        select(Organization)
        .where(Organization.deleted_at.is_(None), Organization.id.not_in(taken))
        .order_by(Organization.org_number_key)
    )


def _free_guests(session):
    taken = select(Customer.admin_user_id).where(Customer.admin_user_id.is_not(None))
    return session.scalars(
        select(User).where(User.role == "guest", User.id.not_in(taken), User.email != "guest@example.com").order_by(User.email)
    )


def seed_links(session, actor=None) -> int:
    """Links between customers: a parent company with two subsidiaries and a partner pair, among the
    active customers (through the service, so History has them). Returns how many links it added."""
    from backoffice.models import CustomerLink
    from backoffice.services import customer_links

    if session.scalar(select(func.count()).select_from(CustomerLink)):
        return 0
    active = session.scalars(
        select(Customer)
        .join(Organization, Customer.organization_id == Organization.id)
        .where(Customer.deleted_at.is_(None), Customer.status == "ACTIVE")
        .order_by(Organization.name, Customer.id)
    ).all()
    if len(active) < 5:
        return 0
    parent, first, second, partner_a, partner_b = active[:5]
    customer_links.add_link(session, actor, parent, first, "parent_of")
    customer_links.add_link(session, actor, second, parent, "subsidiary_of")
    customer_links.add_link(session, actor, partner_a, partner_b, "partner")
    return 3


def seed_sharing(session, actor=None) -> int:
    """Shared billing accounts and a customer admin with unread notifications, for the portal demo.

    Uses the customers already there; when there are none (a branch without the customers seed),
    makes a handful directly so the portal has something to show. Returns how many links it added.
    """
    from backoffice.services import sharing

    demo_admin = user_service.get_by_email(session, DEMO_CUSTOMER_ADMIN)
    if demo_admin is None:
        return 0
    if not session.scalar(select(func.count()).select_from(Customer)):
        shapes = [("ACTIVE", True, "1001"), ("ACTIVE", True, "1002"), ("ACTIVE", False, None),
                  ("ACTIVE", True, "1004"), ("INACTIVE", True, "1005"), ("ACTIVE", True, None)]
        for (status, allow, number), org, guest in zip(shapes, _free_organizations(session), _free_guests(session)):
            guest.role = "customer-admin"
            session.add(Customer(organization=org, admin=guest, status=status,
                                 allow_shared_billing=allow, customer_number=number))
        session.flush()
    mine = sharing.customer_of(session, demo_admin)
    if mine is None:
        org = next(iter(_free_organizations(session)), None)
        if org is None:  # every organization has a customer already: give the demo its own
            org = org_service.create_organization(
                session, actor, name="Kundportalen Demo AB", org_number=org_numbers.swedish_number("559999000"),
                address="Portalvägen 1", post_number="111 22", municipality="Stockholm", region="Stockholms län",
                country="SE",
            )
        demo_admin.role = "customer-admin"
        mine = Customer(organization=org, admin=demo_admin, status="ACTIVE", allow_shared_billing=True,
                        customer_number="2026")
        session.add(mine)
        session.flush()
    if session.scalar(select(func.count()).select_from(SharedAccount)):
        return 0
    active = session.scalars(
        select(Customer)
        .join(Organization, Customer.organization_id == Organization.id)
        .where(Customer.deleted_at.is_(None), Customer.status == "ACTIVE", Customer.id != mine.id)
        .order_by(Organization.name, Customer.id)
    ).all()
    owners = [c for c in active if c.allow_shared_billing][:3]
    added = 0
    for owner in owners:  # the demo customer's account is shared with these: one notification each
        sharing.add_shared_account(session, actor, owner, mine)
        added += 1
    for other in [c for c in active if c not in owners][:2]:  # and the demo customer shares two accounts
        sharing.add_shared_account(session, actor, mine, other)
        added += 1
    if len(owners) > 1:  # one removal too, so "no longer shared" shows
        link = session.scalar(
            select(SharedAccount).where(SharedAccount.customer_id == owners[-1].id, SharedAccount.shared_customer_id == mine.id)
        )
        sharing.remove_shared_account(session, actor, owners[-1], link)
        added -= 1
    from backoffice.services.notifications import notify

    staff_admin = user_service.get_by_email(session, "admin@example.com")
    notify(session, staff_admin, _l("Demo data: %(n)d shared billing accounts were set up.", n=added), email=False)
    return added
