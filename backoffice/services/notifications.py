"""Notifications: in the app (the portal, the admin's bell) and by e-mail through the outbox.

``notify`` writes both in the caller's transaction, so a change and the news of it commit together.
Text is rendered in the recipient's language (pass a lazy string with its parameters); news about a
customer sent to its admin (or its contacts) is rendered in the customer's language (``customer_locale``).
"""

from __future__ import annotations

import os

from flask import has_app_context
from flask_babel import force_locale, get_babel
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from backoffice.models import Notification, User
from backoffice.models.base import utcnow
from backoffice.services.errors import ServiceError
from backoffice.services.mail import absolute_url, queue_mail
from backoffice.services.validation import parse_id

PAGE_SIZE = 20


def _absolute(link: str | None) -> str | None:
    if not link or "://" in link:
        return link
    return absolute_url(link)


def has_catalogue(code: str) -> bool:
    """Whether the app has its own translations for ``code`` (English is the source: always)."""
    if code == "en":
        return True
    if not has_app_context():
        return False
    return any(
        os.path.isfile(os.path.join(directory, code, "LC_MESSAGES", "messages.mo"))
        for directory in get_babel().translation_directories
    )


def customer_locale(customer) -> str:
    """The locale of mail about ``customer`` to its admin or its contacts: the customer's language
    (models/customer.CUSTOMER_LANGUAGES; unset is English), English while that language has no catalogue.
    Whether the register shows the field (``show_language``) does not matter."""
    code = getattr(customer, "language", None) or "en"
    return code if has_catalogue(code) else "en"


def notify(session, user: User | None, text, link: str | None = None, email: bool = True, subject=None,
           locale: str | None = None):
    """Tell ``user`` something: a Notification, plus an e-mail in the outbox when ``email``.

    Rendered in ``locale`` when given (``customer_locale(customer)`` for news about a customer), else in the
    user's own language. Returns the Notification, or None when there is nobody to tell (no user, or an
    inactive one).
    """
    if user is None or not user.active:
        return None
    with force_locale(locale or user.language or "en"):
        rendered = str(text)[:500]
        subject_text = str(subject or _l("Backoffice: %(text)s", text=rendered))[:300]
        body = rendered
        url = _absolute(link)
        if url:
            body += "\n\n" + str(_l("Open: %(url)s", url=url))
    notification = Notification(user_id=user.id, text=rendered, link=link)
    session.add(notification)
    if email and user.email:
        queue_mail(session, user.email, subject_text, body + "\n")
    session.flush()
    return notification


def unread_count(session, user: User | None) -> int:
    """Cheap: the (user_id, read_at) index answers it."""
    if user is None or getattr(user, "id", None) is None:
        return 0
    return session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def total_count(session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == user.id))


def list_for(session, user: User, limit: int = PAGE_SIZE, offset: int = 0) -> list[Notification]:
    """Newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(max(1, min(int(limit), 100)))
            .offset(max(0, int(offset)))
        )
    )


def mark_read(session, user: User, notification_id) -> Notification:
    """Mark one of the user's own notifications read; someone else's is 'not found'."""
    notification, number = None, parse_id(notification_id)
    if number is not None:
        notification = session.scalar(
            select(Notification).where(Notification.id == number, Notification.user_id == user.id)
        )
    if notification is None:
        raise ServiceError(_l("That notification does not exist."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


def mark_all_read(session, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return result.rowcount or 0
