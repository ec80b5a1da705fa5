"""Deterministic demo data: the same records every time, and nothing added twice."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.models import Organization, User
from backoffice.services import organizations as org_service
from backoffice.services import users as user_service

DEMO_PASSWORD = "demo-password-2026"

# (e-mail, first, last, role, language, note) — printed by `make run` and `flask seed-demo`.
DEMO_LOGINS = [
    ("admin@example.com", "Astrid", "Admin", "system-admin", "en", "system administrator: everything"),
    ("editor@example.com", "Erik", "Editor", "editor", "sv", "editor: create and edit, no delete"),
    ("staff@example.com", "Sara", "Staff", "staff", "en", "staff: view only"),
    ("guest@example.com", "Gustav", "Guest", "guest", "en", "guest: may sign in, no back office"),
]

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


def demo_organizations() -> list[dict]:
    rows = []
    for i in range(64):
        city, region, post = PLACES[i % len(PLACES)]
        name = f"{ORG_WORDS[i % len(ORG_WORDS)]}{ORG_KINDS[(i * 3) % len(ORG_KINDS)].lower()} {LEGAL[i % 2][:2].upper()}"
        name = f"{name} {i + 1:02d}" if i >= len(ORG_WORDS) else name
        number = f"55{i:04d}-{(i * 37) % 10000:04d}"
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
                country="Sverige",
                phone=f"+46 8 {100000 + i * 13}",
                website=f"https://example-{i + 1}.se",
                email=f"info@example-{i + 1}.se",
            )
        )
    return rows


def seed(session, actor=None) -> dict:
    """Add whatever demo record is missing; returns how many of each were added."""
    added = {"users": 0, "organizations": 0}
    for row in demo_users():
        if user_service.get_by_email(session, row["email"]) is None:
            user_service.create_user(session, actor, **row, password=DEMO_PASSWORD)
            added["users"] += 1
    for row in demo_organizations():
        key = org_service.org_number_key(row["org_number"])
        if session.scalar(select(Organization.id).where(Organization.org_number_key == key)) is None:
            org_service.create_organization(session, actor, **row)
            added["organizations"] += 1
    # A few deleted organizations, so the DELETED badge shows at once.
    deleted = session.scalar(select(func.count()).select_from(Organization).where(Organization.deleted_at.is_not(None)))
    if not deleted:
        for org in session.scalars(select(Organization).order_by(Organization.org_number_key).offset(60).limit(3)):
            org_service.soft_delete_organization(session, actor, org)
    added["history notes"] = _seed_history(session)
    return added


def _seed_history(session) -> int:
    """Edits and notes by the demo users, so every History tab and the audit log have something to show.

    Creation entries come by themselves (the recorder sees every service write); this adds a few edits
    made as the demo editor and admin, and notes. Runs once: nothing is added when notes exist.
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
        with history.acting_as(session, editor):
            org_service.update_organization(session, editor, org, phone=f"+46 8 555 {100 + i}",
                                            website=f"https://www.example-{i + 1}.se")
        with history.acting_as(session, admin):
            org_service.update_organization(session, admin, org, address=f"Kungsgatan {10 + i}")
        history.add_note(session, editor, "organization", org.id, org.name,
                         "Called about the new invoice address; they will send it by e-mail.")
        history.add_note(session, admin, "organization", org.id, org.name, "Checked the organization number.")
        notes += 2
    # One organization with a long history, so the timeline loads more as you scroll.
    if first:
        org = first[0]
        with history.acting_as(session, editor):
            for n in range(1, 31):
                org_service.update_organization(session, editor, org, region=f"Region {n}")
            org_service.update_organization(session, editor, org, region="Stockholms län")
    guest = user_service.get_by_email(session, "guest@example.com")
    if guest is not None and admin is not None:
        with history.acting_as(session, admin):
            user_service.update_user(session, admin, guest, timezone="Europe/Helsinki")
        history.add_note(session, admin, "user", guest.id, guest.full_name, "Asked for a portal account; waiting.")
        notes += 1
    return notes


def is_empty(session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) == 0
