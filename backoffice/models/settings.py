"""Register settings: one row (id 1), read and written through services/settings.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, Timestamps
from backoffice.models.history import Tracked, track
from backoffice.models.versioned import Versioned

SETTINGS_ID = 1


class RegisterSettings(Versioned, Timestamps, Base):
    __tablename__ = "register_settings"
    __table_args__ = (CheckConstraint(f"id = {SETTINGS_ID}", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID, autoincrement=False)
    # Security: system administrators must sign in with a second factor (on for new installations).
    require_two_factor_for_admins: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


track(RegisterSettings, Tracked("register_settings", name=lambda s: str(_l("Register settings"))))
