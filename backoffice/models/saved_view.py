"""Saved views of the customers list (issue 11): a name for the list's search, filters and sort.

``params`` is the list's query as a normalized JSON object (services/saved_views.py keeps only the
list's known parameters, ``LIST_PARAMS``, and drops empty ones), so opening a view restores the URL.
A view is its owner's (deleted with the owner); ``shared`` shows it to everyone.

Names, decided: unique per owner regardless of case (``name_key``, the lowercased name the service
stores: SQLite's lower() only folds ASCII, so the key is Python's, kept in a column as for e-mails);
and unique among shared views (a partial unique index), so the menu, which lists one's own views and
everyone's shared ones, never shows two shared views of the same name. A private view may have the name
of someone else's shared view: the menu marks shared ones.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.models.base import Base, Timestamps
from backoffice.models.history import BOOKKEEPING, Tracked, track
from backoffice.models.user import User
from backoffice.models.versioned import Versioned

NAME_LENGTH = 100


class SavedView(Versioned, Timestamps, Base):
    __tablename__ = "saved_view"
    __table_args__ = (
        CheckConstraint("trim(name) <> ''", name="name_not_empty"),
        CheckConstraint("name_key <> ''", name="name_key_not_empty"),
        UniqueConstraint("owner_id", "name_key", name="uq_saved_view_owner_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    name_key: Mapped[str] = mapped_column(String(NAME_LENGTH))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    def __str__(self) -> str:
        return self.name


# A shared view's name is unique among shared views (everyone's menu lists them all).
Index(
    "uq_saved_view_shared_name",
    SavedView.name_key,
    unique=True,
    sqlite_where=SavedView.shared == true(),
    postgresql_where=SavedView.shared == true(),
)

track(SavedView, Tracked("saved_view", name=lambda v: v.name, ignore=BOOKKEEPING | {"name_key"}))
