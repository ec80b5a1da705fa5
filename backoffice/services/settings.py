"""Register settings: the one row, read and written only here."""

from __future__ import annotations

from backoffice.models import RegisterSettings, User
from backoffice.models.settings import SETTINGS_ID
from backoffice.services import locking

FIELDS = ("require_two_factor_for_admins",)


def get(session) -> RegisterSettings:
    """The settings row; made with the defaults (two-factor required) if it is missing."""
    row = session.get(RegisterSettings, SETTINGS_ID)
    if row is None:
        row = RegisterSettings(id=SETTINGS_ID, require_two_factor_for_admins=True)
        session.add(row)
        session.flush()
    return row


def update(session, actor: User | None, *, expected_version=None, **changes) -> RegisterSettings:
    """Change settings named in FIELDS; ``expected_version`` is the version the form was opened with."""
    row = get(session)
    locking.check_version(session, actor, row, expected_version)
    with locking.stale_guard(session, actor, row):
        for name, value in changes.items():
            if name not in FIELDS:
                raise TypeError(name)
            setattr(row, name, bool(value))
        session.flush()
    return row
