"""Bulk data for the benchmarks: N organizations, N users and N customers, fast.

PostgreSQL gets COPY (psycopg 3); other engines get Core executemany. Deterministic (seeded).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from backoffice.models import (BillingInfo, Contact, Customer, CustomerGroup, CustomerGroupMember, LocationGroup,
                               Organization, User)
from backoffice.services.org_numbers import swedish_number

WORDS = ["Nordic", "Fjäll", "Skog", "Hav", "Sol", "Berg", "Älv", "Ljus", "Vind", "Sten", "Ek", "Björk", "Gran",
         "Sjö", "Dal", "Ö", "Strand", "Myr", "Lund", "Vik", "Ås", "Hed", "Bäck", "Äng"]
KINDS = ["bygg", "konsult", "teknik", "logistik", "media", "energi", "vård", "data", "design", "service", "handel",
         "transport", "el", "måleri", "städ", "juridik", "revision", "fastigheter"]
FORMS = ["AB", "HB", "KB", "Ek. för."]
FIRST = ["Anna", "Johan", "Maria", "Lars", "Karin", "Per", "Eva", "Nils", "Sofia", "Olof", "Ingrid", "Mikael",
         "Elin", "Anders", "Lena", "Jonas", "Maja", "Henrik", "Ida", "Oskar", "Alva", "Hugo", "Greta", "Filip"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist", "Berg", "Holm", "Sandberg", "Ek"]
# Customer groups (issue 11): ten of about a tenth of the customers each (two thirds of the customers are in
# one, a sixth in a second one too) and one small group of a thousandth, for a selective filter.
GROUPS = ["Key accounts", "Partners", "Retail", "Public sector", "Nordics", "Construction", "Healthcare",
          "Education", "Logistics", "Media"]
SMALL_GROUP = "Pilot customers"
# Location groups (districts) and payment methods spread over the customers; every 20th customer is a
# private person (no organization, no admin, a person contact), the rest businesses.
LOCATIONS = ["North", "South", "East", "West", "City", "Archipelago"]
PAYMENTS = ["invoice", "e_invoice", "direct_debit", "card", None]
PRIVATE_EVERY = 20
REGIONS = ["Stockholms län", "Västra Götalands län", "Skåne län", "Uppsala län", "Västerbottens län"]


def org_name(i: int, rnd: random.Random) -> str:
    return f"{rnd.choice(WORDS)}{rnd.choice(KINDS)} {rnd.choice(FORMS)} {i:06d}"


def rows(n: int, first_id: int = 1_000_000, seed: int = 2026):
    """(organizations, users, customers, billing, groups, members, locations, contacts): lists of dicts for n
    customers."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    orgs, users, customers, billing, members, contacts = [], [], [], [], [], []
    locations = [dict(id=n + 1, name=name, version=1, created_at=now, updated_at=now) for n, name in enumerate(LOCATIONS)]
    groups = [dict(id=g + 1, name=name, priority=g + 1, version=1, created_at=now, updated_at=now)
              for g, name in enumerate(GROUPS + [SMALL_GROUP])]
    small = len(GROUPS) + 1
    for k in range(n):
        i = first_id + k
        number = swedish_number(f"{55 + k % 40:02d}{k:07d}")  # valid, check digit included: "556000-0013"
        created = now - timedelta(minutes=k)
        deleted = created if k % 10 == 9 else None
        private = k % PRIVATE_EVERY == 7
        orgs.append(
            dict(
                id=i,
                name=org_name(k, rnd),
                org_number=number,
                org_number_key=number.replace("-", ""),
                region=REGIONS[k % len(REGIONS)],
                municipality="Stockholm",
                address=f"Storgatan {k % 200 + 1}",
                post_number="111 22",
                country="SE",
                created_at=created,
                updated_at=created,
                deleted_at=None,
            )
        )
        users.append(
            dict(
                id=i,
                email=f"bench{k}@bench.example.com",
                first_name=rnd.choice(FIRST),
                last_name=rnd.choice(LAST),
                language="sv" if k % 3 else "en",
                timezone="Europe/Stockholm",
                role="guest" if deleted or private else "customer-admin",
                active=True,
                must_change_password=False,
                created_at=created,
                updated_at=created,
            )
        )
        person = (rnd.choice(FIRST), rnd.choice(LAST))
        customers.append(
            dict(
                id=i,
                type="private" if private else "business",
                organization_id=None if private else i,
                display_name=" ".join(person) if private else orgs[-1]["name"],
                payment_method=PAYMENTS[k % len(PAYMENTS)],
                location_group_id=None if k % 7 == 6 else k % len(LOCATIONS) + 1,
                admin_user_id=None if deleted or private else i,
                status="INACTIVE" if k % 7 == 3 else "ACTIVE",
                customer_number=None if k % 5 == 4 else f"{700000 + k}",
                allow_shared_billing=k % 4 == 0,
                created_at=created,
                updated_at=created,
                deleted_at=deleted,
            )
        )
        if private:
            email = f"person{k}@bench.example.com"
            contacts.append(dict(id=i, customer_id=i, first_name=person[0], last_name=person[1], email=email,
                                 email_key=email, is_primary=True, is_person=True, send_service_protocol=False,
                                 send_work_orders=False, version=1, created_at=created, updated_at=created))
        if k % 3 == 0:
            billing.append(
                dict(customer_id=i, address=f"Box {k}", municipality="Umeå", created_at=created, updated_at=created)
            )
        first = k % len(GROUPS) + 1
        if k % 3 != 2:
            members.append(dict(customer_id=i, group_id=first, created_at=created))
            second = (k // len(GROUPS)) % len(GROUPS) + 1
            if k % 6 == 0 and second != first:
                members.append(dict(customer_id=i, group_id=second, created_at=created))
        if k % 1000 == 500:
            members.append(dict(customer_id=i, group_id=small, created_at=created))
    return orgs, users, customers, billing, groups, members, locations, contacts


def _copy(conn, table, data: list[dict]) -> None:
    columns = list(data[0])
    raw = conn.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor:
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for row in data:
                copy.write_row([row[c] for c in columns])


def load(engine, n: int, first_id: int = 1_000_000) -> None:
    orgs, users, customers, billing, groups, members, locations, contacts = rows(n, first_id)
    with engine.begin() as conn:
        pairs = [
            (Organization.__table__, orgs),
            (User.__table__, users),
            (LocationGroup.__table__, locations),
            (Customer.__table__, customers),
            (Contact.__table__, contacts),
            (BillingInfo.__table__, billing),
            (CustomerGroup.__table__, groups),
            (CustomerGroupMember.__table__, members),
        ]
        for table, data in pairs:
            if engine.dialect.name == "postgresql":
                _copy(conn, table.name, data)
            else:
                for start in range(0, len(data), 5000):
                    conn.execute(insert(table), data[start : start + 5000])
        if engine.dialect.name == "postgresql":
            for table in ("organization", "user", "customer", "customer_group", "location_group", "contact"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("COMMIT"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        # (issue 12) the visibility map autovacuum keeps on a live database, so that the deep page's
        # index-only OFFSET (the deferred join) reads the index alone, as it would there
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) customer"))
