"""Adding many customers at once by pasting lines (seed 003, "Adding multiple customers"; issue 13).

One line is ``e-mail, first name, last name, phone``, as copied from a spreadsheet: its cells separated by
tabs, semicolons or commas (the first of those the line holds), quoted as CSV quotes them; the phone may be
left out. A first line that names the columns ("e-mail, first name, …") is a header, not a customer.

What one valid line creates: a private customer (issue 11) whose person — the line's e-mail, names and
phone — is its primary contact, in the groups chosen for the paste, numbered as a customer created by hand.

``preview`` splits and checks every line, writing nothing: each line's problems name their field (a bad
e-mail, a missing name, a phone that is not a phone number, an e-mail on an earlier line of the same paste).
``add`` stores every valid line in one transaction (it flushes, the caller commits) and hands back the
invalid ones to fix and paste again: never half a line, never a silent skip. A line whose e-mail already
belongs to a private customer is no new customer: the preview offers it as "update this customer" (its
names and phone from the line, the chosen groups added), which ``add`` does only when asked
(``update_existing``); otherwise the line is handed back with the others that were not added.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backoffice.models import Contact, Customer, User
from backoffice.models.roles import can
from backoffice.services import contacts as contact_service
from backoffice.services import customer_groups
from backoffice.services import customers as customer_service
from backoffice.services import history
from backoffice.services.errors import ServiceError

COLUMNS = ("email", "first_name", "last_name", "phone")
MAX_LINES = 1000
MAX_LINE_CHARS = 1000
# What a header's first cell may say (any of the UI languages): that line names the columns.
_HEADER_WORDS = {"email", "e-mail", "e-mail address", "e-post", "epost", "e-postadress"}


@dataclass
class Line:
    """One pasted line: its number in the paste (from 1), its text, its cells by column, its problems, and
    the private customer its e-mail already belongs to (offered as an update)."""

    number: int
    text: str
    values: dict[str, str]
    problems: list[ServiceError] = field(default_factory=list)
    existing: Customer | None = None

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class Preview:
    lines: list[Line]
    groups: list = field(default_factory=list)

    @property
    def new(self) -> list[Line]:
        return [line for line in self.lines if line.valid and line.existing is None]

    @property
    def updates(self) -> list[Line]:
        return [line for line in self.lines if line.valid and line.existing is not None]

    @property
    def invalid(self) -> list[Line]:
        return [line for line in self.lines if not line.valid]


@dataclass
class Added:
    created: list[Customer]
    updated: list[Customer]
    not_added: list[Line]  # the invalid lines, and the existing customers' lines when not updating


def _separator(text: str) -> str:
    return "\t" if "\t" in text else ";" if ";" in text else ","


def _cells(text: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader([text], delimiter=_separator(text), skipinitialspace=True), [])]


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().lower() in _HEADER_WORDS


def split(text: str | None) -> list[Line]:
    """The paste's lines with their cells (blank lines and a header left out), each line's shape checked:
    at most four cells, at most MAX_LINE_CHARS characters. At most MAX_LINES lines."""
    raw_lines = (text or "").replace("\x00", "").splitlines()
    lines: list[Line] = []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_CHARS:
            lines.append(Line(number, raw[:100] + "…", {}, [ServiceError(
                _l("This line is longer than %(n)s characters.", n=format(MAX_LINE_CHARS, ",")), "line")]))
            continue
        cells = _cells(raw)
        if not lines and _is_header(cells):
            continue
        line = Line(number, raw, dict(zip(COLUMNS, cells)))
        if len(cells) > len(COLUMNS):
            line.problems.append(ServiceError(_l(
                "This line has %(n)s columns; a line is e-mail, first name, last name and phone.", n=len(cells)), "line"))
        lines.append(line)
    if len(lines) > MAX_LINES:
        raise ServiceError(_l("Paste at most %(n)s lines at a time.", n=format(MAX_LINES, ",")), "lines")
    return lines


def _existing_persons(session, keys: set[str]) -> dict[str, Contact]:
    """The persons of private customers with these lowercased e-mails (one query per 500)."""
    found: dict[str, Contact] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        for contact in session.scalars(
                select(Contact).where(Contact.is_person.is_(True), Contact.email_key.in_(chunk))):
            found[contact.email_key] = contact
    return found


def preview(session, actor: User | None, text: str | None, group_ids=()) -> Preview:
    """Every line split and checked, nothing written (see the module's docstring)."""
    _check_may(actor)
    groups = customer_groups._groups(session, list(group_ids or ()))
    lines = split(text)
    if not lines:
        raise ServiceError(_l("Paste at least one line: e-mail, first name, last name, phone."), "lines")
    persons = _existing_persons(session, {contact_service.email_key(line.values.get("email")) or "" for line in lines} - {""})
    first_line: dict[str, int] = {}
    for line in lines:
        if line.problems:
            continue
        values = {name: line.values.get(name, "") for name in COLUMNS}
        key = contact_service.email_key(values["email"])
        person = persons.get(key) if key else None
        # (an existing person's own e-mail is no conflict; every field is still required)
        _cleaned, problems = contact_service.person_problems(session, values, own=person)
        if person is not None and person.customer.deleted_at is not None:
            problems.append(ServiceError(_l(
                "This e-mail address belongs to a deleted customer, %(name)s. Recover it first.",
                name=person.customer.display_name), "email"))
        if key and key in first_line and all(p.field != "email" for p in problems):
            problems.append(ServiceError(_l("This e-mail address is on line %(n)s too.", n=first_line[key]), "email"))
        if key:
            first_line.setdefault(key, line.number)
        line.problems = problems
        line.existing = person.customer if person is not None else None
    return Preview(lines=lines, groups=groups)


def add(session, actor: User | None, text: str | None, group_ids=(), update_existing: bool = False) -> Added:
    """Every valid line stored, in the caller's transaction (see the module's docstring)."""
    found = preview(session, actor, text, group_ids)
    if update_existing and found.updates and actor is not None and not can(actor, "customers.edit"):
        raise ServiceError(_l("You may add customers but not change existing ones."), "update_existing")
    created, updated, not_added = [], [], list(found.invalid)
    chosen = [group.id for group in found.groups]
    for line in found.lines:
        if not line.valid:
            continue
        person = {name: line.values.get(name) or None for name in COLUMNS}
        if line.existing is None:
            created.append(customer_service.create_customer(
                session, actor, customer_type="private", person=person, group_ids=chosen))
        elif update_existing and (actor is None or can(actor, "customers.edit", line.existing)):  # (issue 14)
            customer = line.existing
            own = contact_service.person_of(session, customer)
            contact_service.update_contact(session, actor, own, first_name=person["first_name"],
                                           last_name=person["last_name"], phone=person["phone"])
            if chosen:
                current = [group.id for group in customer_groups.groups_of(session, customer)]
                customer_groups.set_memberships(session, actor, customer, sorted(set(current) | set(chosen)))
            updated.append(customer)
        else:
            not_added.append(line)
    session.flush()
    # One entry for the paste as a whole, beside each customer's own "created" / "changed" entries.
    history.record(session, "import", "customer_import", None, "", actor=actor, changes=[
        {"field": "customers_added", "old": None, "new": len(created)},
        {"field": "customers_updated", "old": None, "new": len(updated)},
        {"field": "lines_not_added", "old": None, "new": len(not_added)},
    ])
    return Added(created=created, updated=updated, not_added=sorted(not_added, key=lambda line: line.number))


def _check_may(actor: User | None) -> None:
    if actor is not None and not can(actor, "customers.upload"):
        raise ServiceError(_l("You don't have permission to add many customers at once."))
