"""Register settings: one row (id 1), read and written through services/settings.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Boolean, CheckConstraint, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.models.base import Base, Timestamps
from backoffice.models.history import BOOKKEEPING, Tracked, track
from backoffice.models.organization import COUNTRY_CODE_CHECK
from backoffice.models.versioned import Versioned

SETTINGS_ID = 1
NUMBER_LENGTH_LIMIT = 64  # the customer number column's length: the bounds stay within it


class RegisterSettings(Versioned, Timestamps, Base):
    __tablename__ = "register_settings"
    __table_args__ = (
        CheckConstraint(f"id = {SETTINGS_ID}", name="one_row"),
        CheckConstraint(
            "customer_number_min_length >= 1 AND customer_number_min_length <= customer_number_max_length"
            f" AND customer_number_max_length <= {NUMBER_LENGTH_LIMIT}",
            name="customer_number_lengths",
        ),
        CheckConstraint("last_customer_number >= 0", name="last_customer_number_positive"),
        CheckConstraint(
            f"default_region IS NOT NULL AND ({COUNTRY_CODE_CHECK.format(col='default_region')})",
            name="default_region_code",
        ),
        # (issue 11, groups) the customer defaults
        CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name="payment_terms_range"),
    )
    # The counter is written by services/numbering.py alone (a core UPDATE under the row lock): it is
    # not a setting anyone edits, so it neither bumps the version nor makes a History entry.
    unversioned = frozenset({"last_customer_number"})

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID, autoincrement=False)
    # Security: system administrators must sign in with a second factor (on for new installations).
    require_two_factor_for_admins: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    # Customers (seed 001, "Edit customer settings").
    customer_number_min_length: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    customer_number_max_length: Mapped[int] = mapped_column(Integer, default=NUMBER_LENGTH_LIMIT, server_default=str(NUMBER_LENGTH_LIMIT))
    auto_customer_number: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The last number handed out automatically; the next one is above it and above every number in use.
    last_customer_number: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    number_in_display_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    show_language: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    show_cost_center: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    view_service_items: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    view_work_order_items: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The country a phone number written without "+" belongs to (services/phones.py), ISO 3166-1 alpha-2.
    default_region: Mapped[str] = mapped_column(String(2), default="SE", server_default="SE")
    # --- customer defaults (issue 11, groups): what a customer gets when neither it nor its groups set it
    automatic_settlement: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # --- end customer defaults


track(
    RegisterSettings,
    Tracked(
        "register_settings",
        name=lambda s: str(_l("Register settings")),
        ignore=BOOKKEEPING | {"last_customer_number"},
    ),
)
