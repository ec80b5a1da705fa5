"""Users: create, edit, passwords, photo, deactivate or delete, sign-in checks."""

from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backoffice.models import Role, User
from backoffice.models.roles import (CUSTOMER_ADMIN_ROLE, LANGUAGES, ROLES, is_customer_admin,
                                     permissions_of)
from backoffice.models.base import utcnow
from backoffice.services import locking, passwords
from backoffice.services import roles as roles_service
from backoffice.services.roles import MANAGE
from backoffice.services.matching import among
from backoffice.services.errors import ServiceError, unique_guard
from backoffice.services.validation import check_email, check_lengths

def _timezones() -> tuple[str, ...]:
    import zoneinfo

    zones = {
        z for z in zoneinfo.available_timezones()
        if "/" in z and z.split("/")[0] in {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia",
                                            "Europe", "Indian", "Pacific"}
    }
    return tuple(sorted(zones | {"UTC"}))


TIMEZONES = _timezones()
EDITABLE = ("first_name", "last_name", "email", "language", "role", "active", "timezone")
_EMAIL_TAKEN = _l("A user with this e-mail address already exists.")


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def get_by_email(session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def _check_role(session, role: str) -> None:
    """A role of the role table (the built-in ones without a query: an import checks one per new user)."""
    if role in ROLES:
        return
    if not isinstance(role, str) or session.scalar(select(Role.id).where(Role.code == role)) is None:
        raise ServiceError(_l("Choose a role from the list."), "role")


def _check_fields(session, values: dict) -> None:
    if "email" in values:
        check_email(values["email"])
    for name in ("first_name", "last_name"):
        if name in values and not (values[name] or "").strip():
            raise ServiceError(_l("This field is required."), name)
    if "role" in values:
        _check_role(session, values["role"])
    if "language" in values and values["language"] not in LANGUAGES:
        raise ServiceError(_l("Choose a language from the list."), "language")
    check_lengths(User, values)
    if "timezone" in values and values["timezone"] not in TIMEZONES:
        raise ServiceError(_l("Choose a time zone from the list."), "timezone")


_CUSTOMER_ADMIN_SET_ELSEWHERE = _l(
    "The role Customer admin is given by choosing the user as a customer's admin, under Customers."
)


def _guard_customer_admin_role(session, user: User | None, role: str) -> None:
    """The role customer-admin is set (and taken away) only by the customer services: a user can't be
    given it here, and a customer's admin keeps it while they administer a customer."""
    from backoffice.models import Customer  # (models import nothing from the services)

    current = user.role if user is not None else None
    if role == current:
        return
    if role == CUSTOMER_ADMIN_ROLE:
        raise ServiceError(_CUSTOMER_ADMIN_SET_ELSEWHERE, "role")
    if is_customer_admin(user):
        administers = session.scalar(select(Customer).where(Customer.admin_user_id == user.id))
        if administers is not None:
            raise ServiceError(
                _l(
                    "This user is the customer admin of %(customer)s. Choose another admin for that customer "
                    "(under Customers) before changing this user's role.",
                    customer=administers.organization.name if administers.organization else administers.id,
                ),
                "role",
            )


def _grants(session, code: str) -> frozenset[str]:
    role = session.scalar(select(Role).where(Role.code == code))
    return role.permissions if role is not None else frozenset()


def _guard_admin_rules(session, actor: User | None, user: User, *, role: str, active: bool) -> None:
    """Nobody changes their own role or deactivates themselves; the last active user who can manage users and
    roles (services/roles.MANAGE) stays one."""
    if actor is not None and actor.id == user.id:
        if role != user.role:
            raise ServiceError(_l("You cannot change your own role."), "role")
        if not active:
            raise ServiceError(_l("You cannot deactivate yourself."), "active")
    if not user.active or not MANAGE <= permissions_of(user):
        return
    if active and (role == user.role or MANAGE <= _grants(session, role)):
        return
    if roles_service.managers(session) <= 1:
        field = "role" if role != user.role else "active"
        raise ServiceError(_l("This is the last active user who can manage users and roles, and must stay one."),
                           field)


def clean_new_user(session, *, email, first_name, last_name, role: str, language: str | None = "en") -> dict:
    """A new user's values as stored, or the ServiceError of the first that is wrong (the e-mail's uniqueness
    is the caller's: create_user looks it up, an import's batch has looked them all up at once)."""
    values = {
        "email": normalize_email(email),
        "first_name": (first_name or "").strip(),
        "last_name": (last_name or "").strip(),
        "role": role,
        "language": language or "en",
    }
    _check_fields(session, values)
    _guard_customer_admin_role(session, None, values["role"])
    return values


def taken_emails(session, emails: set[str]) -> set[str]:
    """Which of these (normalised) e-mail addresses a user has already (one query for many)."""
    if not emails:
        return set()
    return set(session.scalars(select(User.email).where(among(User.email, emails))))


def create_user(
    session,
    actor: User | None,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    password: str | None = None,
    language: str = "en",
    active: bool = True,
    must_change_password: bool = False,
) -> User:
    locking.remember_actor(session, actor)
    values = clean_new_user(session, email=email, first_name=first_name, last_name=last_name, role=role,
                            language=language)
    if get_by_email(session, values["email"]):
        raise ServiceError(_EMAIL_TAKEN, "email")
    user = User(**values, active=active, must_change_password=must_change_password)
    if password is not None:
        user.password_hash = passwords.hash_password(passwords.validate(password, user_inputs=_inputs(user)))
    with unique_guard(session, {"email": ("email", _EMAIL_TAKEN)}):
        session.add(user)
    return user


def update_user(session, actor: User | None, user: User, *, expected_version=None, **changes) -> User:
    """``expected_version`` is the version the edit form was opened with (ConflictError when stale)."""
    locking.check_version(session, actor, user, expected_version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
    for name in ("first_name", "last_name"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    _check_fields(session, changes)
    if "role" in changes:
        _guard_customer_admin_role(session, user, changes["role"])
    _guard_admin_rules(
        session, actor, user, role=changes.get("role", user.role), active=changes.get("active", user.active)
    )
    if "email" in changes and changes["email"] != user.email:
        other = get_by_email(session, changes["email"])
        if other is not None and other.id != user.id:
            raise ServiceError(_EMAIL_TAKEN, "email")
    deactivating = user.active and changes.get("active", True) is False
    old_email = user.email
    with locking.stale_guard(session, actor, user), unique_guard(session, {"email": ("email", _EMAIL_TAKEN)}):
        for name, value in changes.items():
            setattr(user, name, value)
        if deactivating:
            end_sessions(session, actor, user)
    if "email" in changes and changes["email"] != old_email:
        _tell_email_changed(session, user, old_email, user.email)
    return user


def _tell(session, user: User, to_address: str | None, subject, body) -> None:
    """An e-mail about the user's own account, in the outbox of the caller's transaction, in their language."""
    from flask_babel import force_locale

    from backoffice.services.mail import queue_mail

    if not to_address:
        return
    with force_locale(user.language or "en"):
        queue_mail(session, to_address, str(subject), str(body) + "\n")


def _tell_password_changed(session, user: User) -> None:
    _tell(
        session,
        user,
        user.email,
        _l("Your Backoffice password was changed"),
        _l(
            "Hello %(name)s,\n\nThe password of your Backoffice account %(email)s was just changed, and every "
            "browser signed in with the old one was signed out.\n\n"
            "If you did not do this, contact your administrator at once.",
            name=user.full_name,
            email=user.email,
        ),
    )


def _tell_email_changed(session, user: User, old: str, new: str) -> None:
    """To the old address (the one an intruder would want to keep quiet) and to the new one."""
    for address in (old, new):
        _tell(
            session,
            user,
            address,
            _l("Your Backoffice e-mail address was changed"),
            _l(
                "Hello %(name)s,\n\nThe e-mail address of your Backoffice account was just changed from %(old)s "
                "to %(new)s. Sign-in and messages now use %(new)s.\n\n"
                "If you did not ask for this, contact your administrator at once.",
                name=user.full_name,
                old=old,
                new=new,
            ),
        )


def end_sessions(session, actor: User | None, user: User) -> None:
    """Sign the user out everywhere, at once: every session row of the user goes (with its remember-me
    token), in the caller's transaction, and session_version moves on (reset links carry it).

    (A browser that must stay signed in, e.g. the one changing its own password, is re-issued by
    auth/sessions.renew after the commit.)
    """
    locking.remember_actor(session, actor)
    from backoffice.models import UserSession

    user.session_version = (user.session_version or 0) + 1
    if user.id is not None:
        session.execute(
            delete(UserSession).where(UserSession.user_id == user.id).execution_options(synchronize_session=False)
        )
    session.flush()


def sign_out_everywhere(session, actor: User | None, user: User) -> None:
    """An administrator ends every session of ``user``; a security entry in the user's history says who."""
    from backoffice.services import history

    end_sessions(session, actor, user)
    history.record_security(session, "signed_out_everywhere", user, actor=actor)


def _inputs(user: User) -> tuple:
    """What a password must not be guessable from: the user's own name and e-mail address."""
    return (user.first_name, user.last_name, user.email, f"{user.first_name or ''} {user.last_name or ''}")


def set_password(
    session, actor: User | None, user: User, password: str, *, require_change: bool = False, field: str = "password"
) -> None:
    """An administrator sets or resets someone's password (also the forgotten-password reset).

    Every session of the user ends; when it is the actor's own password the caller renews the current one.
    """
    locking.remember_actor(session, actor)
    user.password_hash = passwords.hash_password(passwords.validate(password, field, _inputs(user)))
    user.must_change_password = require_change
    end_sessions(session, actor, user)
    _tell_password_changed(session, user)


def change_own_password(session, user: User, current: str, new: str) -> None:
    if not passwords.verify(user.password_hash, current or ""):
        raise ServiceError(_l("The current password is not correct."), "current_password")
    passwords.validate(new, "new_password", _inputs(user))
    if passwords.verify(user.password_hash, new):
        raise ServiceError(_l("Choose a password different from the current one."), "new_password")
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    end_sessions(session, user, user)
    _tell_password_changed(session, user)


def _refuse_inactive_customer(session, user: User) -> None:
    """An inactive (or deleted) customer's portal users can't sign in (design.md); said only after the
    password matched, so it reveals nothing to a stranger."""
    from backoffice.models import Customer

    blocked = session.scalar(
        select(Customer.id).where(
            Customer.admin_user_id == user.id, (Customer.status != "ACTIVE") | Customer.deleted_at.is_not(None)
        )
    )
    if blocked is not None:
        raise ServiceError(
            _l("Your customer account is inactive, so you can't sign in. Contact your administrator."), "email"
        )


def authenticate(session, email: str, password: str) -> User | None:
    """The user if the e-mail and password match an active account; None otherwise (no hint why).

    Raises ServiceError when the password is right but the user's customer account is inactive."""
    user = get_by_email(session, email or "")
    if user is None or not user.password_hash:
        passwords.dummy_verify(password or "")
        return None
    if not passwords.verify(user.password_hash, password or "") or not user.active:
        return None
    _refuse_inactive_customer(session, user)
    user.last_login_at = utcnow()
    session.flush()
    return user


def delete_user(session, actor: User | None, user: User) -> str:
    """Delete the user, or deactivate them when other records refer to them.

    Returns "deleted" or "deactivated". The database's foreign keys decide what refers to a user.
    """
    if actor is not None and actor.id == user.id:
        raise ServiceError(_l("You cannot delete yourself."))
    _guard_admin_rules(session, actor, user, role=user.role, active=False)
    locking.remember_actor(session, actor)
    try:
        with session.begin_nested():
            session.delete(user)
            session.flush()
        return "deleted"
    except IntegrityError:
        session.refresh(user)
        user.active = False
        end_sessions(session, actor, user)
        return "deactivated"


PHOTO_SIZE = 256
PHOTO_MAX_PIXELS = 40_000_000  # 40 megapixels: more than any camera photo, far less than a decompression bomb
_PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/png", "WEBP": "image/png"}


def set_photo(session, actor: User | None, user: User, data: bytes | None, max_bytes: int = 2 * 1024 * 1024) -> None:
    """Store a photo re-encoded by Pillow (type checked by content, never by name); None removes it.

    Refused before anything is decoded: more than ``max_bytes``, or (from the header alone) more than
    PHOTO_MAX_PIXELS pixels — a 641 KB PNG of 13,000 x 13,000 pixels once took the server to 1.46 GB."""
    locking.remember_actor(session, actor)
    if data is None:
        user.photo, user.photo_mime = None, None
        session.flush()
        return
    if len(data) > max_bytes:
        raise ServiceError(_l("The photo must be at most %(n)d MB.", n=max_bytes // (1024 * 1024)), "photo")
    from PIL import Image, UnidentifiedImageError

    too_large = ServiceError(_l("The photo can be at most %(n)d megapixels.", n=PHOTO_MAX_PIXELS // 1_000_000), "photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # (a bomb is refused, never decoded)
            img = Image.open(io.BytesIO(data))  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ServiceError(_l("Upload a JPEG, PNG, GIF or WebP image."), "photo") from exc
    try:
        with img:
            kind = img.format
            if kind not in _PHOTO_TYPES:
                raise ServiceError(_l("Upload a JPEG, PNG, GIF or WebP image."), "photo")
            width, height = img.size
            if width * height > PHOTO_MAX_PIXELS:
                raise too_large
            img.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
            out = io.BytesIO()
            if kind == "JPEG":
                img.convert("RGB").save(out, "JPEG", quality=85)
            else:
                img.convert("RGBA").save(out, "PNG")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ServiceError(_l("Upload a JPEG, PNG, GIF or WebP image."), "photo") from exc
    user.photo, user.photo_mime = out.getvalue(), _PHOTO_TYPES[kind]
    session.flush()
