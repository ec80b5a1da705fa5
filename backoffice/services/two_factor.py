"""Two-factor sign-in: TOTP (RFC 6238, pyotp) and single-use recovery codes.

Every step is a security event in the user's history. The view layer keeps the half-signed-in state
(a pending marker in the session) and the remembered-device cookie; this module holds the rules.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from backoffice.models import RecoveryCode, User, UserTwoFactor, roles
from backoffice.models.base import utcnow
from backoffice.services import history, passwords
from backoffice.services import settings as settings_service
from backoffice.services.errors import ServiceError

RECOVERY_CODE_COUNT = 10
ISSUER = "Backoffice"
WRONG_CODE = _l("The code is not correct.")

def _record(session, kind: str, user: User, actor=...) -> None:
    history.record_security(session, kind, user, actor=actor)


def state(session, user: User) -> UserTwoFactor | None:
    return session.get(UserTwoFactor, user.id)


def is_enabled(session, user: User) -> bool:
    row = state(session, user)
    return row is not None and row.enabled_at is not None


def required_for(session, user: User) -> bool:
    """System administrators must use two-factor sign-in while the register setting says so."""
    return roles.is_system_admin(user) and settings_service.get(session).require_two_factor_for_admins


def must_enrol(session, user: User) -> bool:
    return required_for(session, user) and not is_enabled(session, user)


def fingerprint(session, user: User) -> str:
    """Changes when two-factor is reset, disabled or re-enrolled, and when the password changes."""
    row = state(session, user)
    material = "|".join(
        [str(user.id), row.secret if row and row.enabled_at else "-", str(row.enabled_at) if row else "-",
         user.password_hash or "-"]
    )
    return hashlib.sha256(material.encode()).hexdigest()[:32]


# --- enrolment ---------------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP secret for an enrolment; kept by the caller (the browser's session) until confirmed, so
    showing the set-up page writes nothing."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _accept_totp(row: UserTwoFactor, code: str | None) -> bool:
    code = "".join((code or "").split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(row.secret)
    now = time.time()
    for offset in (0, -1, 1):  # one 30-second step of clock drift either way
        counter = totp.timecode(now) + offset
        if counter > (row.last_counter if row.last_counter is not None else -1) and secrets.compare_digest(
            totp.generate_otp(counter), code
        ):
            row.last_counter = counter  # never the same code twice
            return True
    return False


def confirm_enrolment(session, user: User, secret: str | None, code: str | None) -> list[str]:
    """The first code proves the app has ``secret``: two-factor is on; returns the recovery codes (once)."""
    row = state(session, user)
    if row is not None and row.enabled_at is not None:
        raise ServiceError(_l("Two-factor sign-in is already on."))
    if not (isinstance(secret, str) and len(secret) == 32 and secret.isascii() and secret.isalnum()):
        raise ServiceError(_l("Start the set-up again."))
    candidate = UserTwoFactor(user_id=user.id, secret=secret)  # stored only once its first code is right
    if not _accept_totp(candidate, code):
        _record(session, "two_factor_failed", user)
        raise ServiceError(WRONG_CODE, "code")
    if row is None:
        session.add(candidate)
        row = candidate
    else:
        row.secret, row.last_counter = secret, candidate.last_counter
    row.enabled_at = utcnow()
    session.flush()
    _record(session, "two_factor_enabled", user)
    return _new_recovery_codes(session, user)


# --- recovery codes -----------------------------------------------------------------------------------


def _normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isascii() and ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    session.flush()
    return codes


def regenerate_recovery_codes(session, user: User, code: str | None) -> list[str]:
    """New codes (the old ones stop working); asks for a current code from the app."""
    row = state(session, user)
    if row is None or row.enabled_at is None:
        raise ServiceError(_l("Two-factor sign-in is off."))
    if not _accept_totp(row, code):
        _record(session, "two_factor_failed", user)
        raise ServiceError(WRONG_CODE, "code")
    codes = _new_recovery_codes(session, user)
    _record(session, "recovery_codes_regenerated", user)
    return codes


def remaining_recovery_codes(session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def _use_recovery_code(session, user: User, code: str | None) -> bool:
    if len(_normalise(code)) != 10:
        return False
    # One UPDATE: two requests with the same code can't both use it.
    result = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


# --- sign-in ------------------------------------------------------------------------------------------


def verify(session, user: User, code: str | None) -> str:
    """The second factor at sign-in: a code from the app or a recovery code. Returns which one."""
    row = state(session, user)
    if row is None or row.enabled_at is None:
        raise ServiceError(_l("Two-factor sign-in is off."))
    if _accept_totp(row, code):
        session.flush()
        _record(session, "two_factor_passed", user)
        return "totp"
    if _use_recovery_code(session, user, code):
        _record(session, "two_factor_recovery_used", user)
        return "recovery"
    _record(session, "two_factor_failed", user)
    raise ServiceError(WRONG_CODE, "code")


def record_remembered(session, user: User) -> None:
    _record(session, "two_factor_remembered", user)


# --- turning it off -----------------------------------------------------------------------------------


def _remove(session, user: User) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(UserTwoFactor).where(UserTwoFactor.user_id == user.id))
    session.expire_all()


def disable_own(session, user: User, *, code: str | None = None, password: str | None = None) -> None:
    """The user turns their own two-factor off (or resets it to enrol again): a current code or the password."""
    row = state(session, user)
    if row is None or row.enabled_at is None:
        raise ServiceError(_l("Two-factor sign-in is off."))
    if not (code and _accept_totp(row, code)) and not (password and passwords.verify(user.password_hash, password)):
        _record(session, "two_factor_failed", user)
        raise ServiceError(_l("Type a current code from your app, or your password."), "code")
    _remove(session, user)
    _record(session, "two_factor_disabled", user)


def reset(session, actor: User | None, user: User) -> None:
    """An administrator removes someone's two-factor (lost phone); they enrol again at the next sign-in."""
    _remove(session, user)
    _record(session, "two_factor_reset", user, actor=actor)
