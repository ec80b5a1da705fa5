"""An import's job record (issue 13): the uploaded file, kept in the database so every app server and worker
can read it, and where the import stands.

``state``: "checking" (uploaded, or its column mapping changed: the dry run is in the queue, ``queued_at``, or
a worker runs it since ``started_at``), "checked" (read and dry-run: ``report`` holds what would happen; also after an import that stored
nothing because rows were rejected, with that run's report, or one refused with ``error``, to fix and try
again), "queued" (Import was pressed: a background task is in the queue, ``queued_at``), "running" (a worker
took it, ``started_at``; its progress and heartbeat are in the queue's key-value storage, never in this table,
which the import's one transaction holds), "done" (imported: ``counts``), or "failed" (nothing was stored: the
task raised, or its worker stopped answering; ``error`` says which). ``options`` are the choices the import runs
with (the column mapping, valid rows only, create missing groups). It has no edit form; the import's History
entry records what it did.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from backoffice.models.base import Base, utcnow
from backoffice.models.user import User

STATES = ("checking", "checked", "queued", "running", "done", "failed")


class ImportJob(Base):
    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint("state IN ('checking', 'checked', 'queued', 'running', 'done', 'failed')", name="state_known"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    filename: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    state: Mapped[str] = mapped_column(String(16), default="checked")
    options: Mapped[dict | None] = mapped_column(JSON)
    counts: Mapped[dict | None] = mapped_column(JSON)
    report: Mapped[dict | None] = deferred(mapped_column(JSON))
    error: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[User | None] = relationship()
