"""Finding 16: two-factor sign-in (TOTP, recovery codes, remembered devices, the register setting).

The suite's fixtures turn the requirement off (tests/conftest.py); every test here turns it on.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from backoffice.auth.two_factor import DEVICE_COOKIE
from backoffice.extensions import db
from backoffice.models import HistoryEntry, RecoveryCode
from backoffice.services import settings
from backoffice.services import two_factor as service
from backoffice.services import users as user_service
from tests.conftest import TEST_PASSWORD, throttled_app


@pytest.fixture
def required(session):
    settings.update(session, None, require_two_factor_for_admins=True)
    session.commit()


def password_step(client, user, password=TEST_PASSWORD, **data):
    return client.post("/login", data={"email": user.email, "password": password, **data})


def kinds(session, user) -> list[str]:
    return session.scalars(
        select(HistoryEntry.kind).where(HistoryEntry.record_type == "user", HistoryEntry.record_id == user.id)
        .order_by(HistoryEntry.id)
    ).all()


def enrol(client) -> tuple[str, list[str]]:
    html = client.get("/two-factor/enrol").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    assert "<svg" in html  # the QR code, inline
    response = client.post("/two-factor/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", response.get_data(as_text=True))
    return secret, codes


def enrolled_admin(client, session, admin) -> tuple[str, list[str]]:
    password_step(client, admin)
    secret, codes = enrol(client)
    client.post("/logout", data={})
    return secret, codes


def code_later(session, user, secret: str) -> str:
    """The app's code some time later (a code once accepted is never accepted again, so the test
    forgets the last accepted step instead of waiting 30 seconds)."""
    row = service.state(session, user)
    row.last_counter = None
    session.commit()
    return pyotp.TOTP(secret).now()


def test_new_installation_requires_two_factor_for_admins(app):
    """Finding 16: the migration inserts the settings row with the requirement on."""
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="e97c7293a689")
        upgrade()
        assert settings.get(db.session).require_two_factor_for_admins is True
        settings.update(db.session, None, require_two_factor_for_admins=False)
        db.session.commit()


def test_admin_is_forced_to_enrol_before_reaching_the_back_office(client, session, admin, required):
    """Finding 16: an admin without two-factor goes from the password to enrolment, and is not signed in."""
    response = password_step(client, admin)
    assert response.location.endswith("/two-factor/enrol")
    assert client.get("/admin/").status_code == 302  # not signed in yet
    assert client.get("/admin/").location.startswith("/login")
    secret, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/").status_code == 200
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(code.replace("-", "") in h for code in codes for h in stored)
    assert kinds(session, admin)[-2:] == ["two_factor_enabled", "sign_in"]


def test_signed_in_admin_reaches_only_enrolment_when_required(client, session, admin):
    """Finding 16: turning the setting on while an admin is signed in sends them to enrolment."""
    password_step(client, admin)
    assert client.get("/admin/").status_code == 200
    settings.update(session, None, require_two_factor_for_admins=True)
    session.commit()
    response = client.get("/admin/customers/")
    assert response.status_code == 302 and response.location.endswith("/two-factor/enrol")


def test_setting_off_does_not_force_enrolment(client, session, admin):
    """Finding 16: with the setting off, an admin signs in with the password alone."""
    response = password_step(client, admin)
    assert response.location.endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_code_is_required_and_a_wrong_code_refused(client, session, admin, required):
    """Finding 16: an enrolled admin needs the code; a wrong one is refused and recorded; the right one signs in."""
    secret, _codes = enrolled_admin(client, session, admin)
    response = password_step(client, admin)
    assert response.location.endswith("/login/two-factor")
    assert client.get("/admin/").status_code == 302
    response = client.post("/login/two-factor", data={"code": "000000"})
    assert response.status_code == 400 and "The code is not correct." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    response = client.post("/login/two-factor", data={"code": code_later(session, admin, secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert kinds(session, admin)[-3:] == ["two_factor_failed", "two_factor_passed", "sign_in"]


def test_pending_sign_in_expires_after_five_minutes(client, session, admin, required, monkeypatch):
    """Finding 16: the half-signed-in marker lives at most five minutes."""
    secret, _codes = enrolled_admin(client, session, admin)
    password_step(client, admin)
    real = time.time
    monkeypatch.setattr("backoffice.auth.two_factor.time.time", lambda: real() + 301)
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.location.startswith("/login")
    monkeypatch.undo()
    assert client.get("/admin/").status_code == 302


def test_recovery_code_works_once(client, session, admin, required):
    """Finding 16: a recovery code replaces the app's code, once."""
    _secret, codes = enrolled_admin(client, session, admin)
    password_step(client, admin)
    assert client.post("/login/two-factor", data={"code": codes[0].upper()}).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/logout", data={})
    password_step(client, admin)
    assert client.post("/login/two-factor", data={"code": codes[0]}).status_code == 400
    assert client.get("/admin/").status_code == 302
    assert "two_factor_recovery_used" in kinds(session, admin)
    assert service.remaining_recovery_codes(session, admin) == 9


def test_remembered_device_skips_the_step_for_30_days_and_not_after_reset(client, session, admin, required,
                                                                         monkeypatch):
    """Finding 16: "Remember this device" skips the code for 30 days; a reset or password change ends it."""
    secret, _codes = enrolled_admin(client, session, admin)
    password_step(client, admin)
    response = client.post("/login/two-factor", data={"code": code_later(session, admin, secret), "remember_device": "y"})
    cookie = response.headers.getlist("Set-Cookie")
    device = next(c for c in cookie if c.startswith(DEVICE_COOKIE + "="))
    assert "HttpOnly" in device and "Max-Age=2592000" in device
    client.post("/logout", data={})
    assert password_step(client, admin).location.endswith("/admin/")  # no code asked
    assert "two_factor_remembered" in kinds(session, admin)
    client.post("/logout", data={})

    import itsdangerous.timed

    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + 30 * 86400 + 5)
    assert password_step(client, admin).location.endswith("/login/two-factor")  # past 30 days
    monkeypatch.undo()
    client.get("/login")  # (drop the pending marker by starting over)

    service.reset(session, None, admin)
    session.commit()
    response = password_step(client, admin)
    assert not response.location.endswith("/admin/")  # after a reset: enrol again, device forgotten


def test_password_change_forgets_remembered_devices(client, session, admin, required):
    """Finding 16: the remembered device is tied to the password too."""
    secret, _codes = enrolled_admin(client, session, admin)
    password_step(client, admin)
    client.post("/login/two-factor", data={"code": code_later(session, admin, secret), "remember_device": "y"})
    client.post("/logout", data={})
    user_service.set_password(session, None, admin, "another-password-2026")
    session.commit()
    assert password_step(client, admin, "another-password-2026").location.endswith("/login/two-factor")


def test_disable_own_needs_a_code_or_the_password(client, session, admin, required):
    """Finding 16: turning two-factor off asks for a current code or the password; it is recorded."""
    secret, _codes = enrolled_admin(client, session, admin)
    password_step(client, admin)
    client.post("/login/two-factor", data={"code": code_later(session, admin, secret)})
    assert client.post("/profile/two-factor/disable", data={"code": "123456"}).status_code == 400
    assert service.is_enabled(session, admin)
    assert client.post("/profile/two-factor/disable", data={"password": TEST_PASSWORD}).status_code == 302
    session.expire_all()
    assert not service.is_enabled(session, admin)
    assert "two_factor_disabled" in kinds(session, admin)


def test_regenerated_recovery_codes_replace_the_old(client, session, admin, required):
    """Finding 16: new recovery codes are shown once; the old ones stop working."""
    secret, codes = enrolled_admin(client, session, admin)
    password_step(client, admin)
    client.post("/login/two-factor", data={"code": code_later(session, admin, secret)})
    response = client.post("/profile/two-factor/recovery-codes", data={"code": code_later(session, admin, secret)})
    new = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(codes)
    assert "recovery_codes_regenerated" in kinds(session, admin)


def test_admin_resets_another_users_two_factor(client, session, admin, make_user, required):
    """Finding 16: an administrator resets someone's two-factor from the users register (a confirmation dialog)."""
    other = make_user(role="system-admin", email="other@example.com")
    secret, _codes = enrolled_admin(client, session, other)
    settings.update(session, None, require_two_factor_for_admins=False)
    session.commit()
    password_step(client, admin)
    page = client.get(f"/admin/users/two-factor-reset/?id={other.id}")
    assert page.status_code == 200 and "Reset two-factor sign-in" in page.get_data(as_text=True)
    assert "two-factor-reset" in client.get("/admin/users/").get_data(as_text=True)
    response = client.post(f"/admin/users/two-factor-reset/?id={other.id}", data={})
    assert response.status_code == 302
    session.expire_all()
    assert not service.is_enabled(session, other)
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.kind == "two_factor_reset")).one()
    assert entry.record_id == other.id and entry.actor_id == admin.id


def test_settings_page_saves_and_detects_conflicts(client, session, admin):
    """Finding 16: /admin/settings/ holds the setting, with CSRF-protected, optimistically locked saves."""
    password_step(client, admin)
    page = client.get("/admin/settings/").get_data(as_text=True)
    assert "Require two-factor sign-in for system administrators" in page
    version = settings.get(session).version
    settings.update(session, None, require_two_factor_for_admins=True)  # someone else saves meanwhile
    session.commit()
    settings.update(session, None, require_two_factor_for_admins=False)
    session.commit()
    lengths = {"customer_number_min_length": "1", "customer_number_max_length": "64", "default_region": "SE"}  # (issue 10: the page's other fields)
    response = client.post("/admin/settings/", data={"version": version, "require_two_factor_for_admins": "y", **lengths})
    assert response.status_code == 409
    session.expire_all()
    assert settings.get(session).require_two_factor_for_admins is False
    response = client.post("/admin/settings/", data={"version": settings.get(session).version,
                                                     "require_two_factor_for_admins": "y", **lengths})
    assert response.status_code == 302
    session.expire_all()
    assert settings.get(session).require_two_factor_for_admins is True
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "register_settings")).all()
    assert entries and entries[-1].actor_id == admin.id


@pytest.fixture
def throttled_client(database_url, app):
    with throttled_app(database_url, app) as throttled:
        yield throttled.test_client()


def test_wrong_codes_are_throttled_like_the_password(throttled_client, session, admin, required):
    """Finding 16: five wrong codes a minute for one user, then 429 (even with the right code)."""
    secret, _codes = enrolled_admin(throttled_client, session, admin)
    password_step(throttled_client, admin)
    for _i in range(5):
        assert throttled_client.post("/login/two-factor", data={"code": "000000"}).status_code == 400
    response = throttled_client.post("/login/two-factor", data={"code": code_later(session, admin, secret)})
    assert response.status_code == 429
    assert throttled_client.get("/admin/").status_code == 302


@pytest.mark.parametrize("code", ["12345\x00", "x" * 10_000, "١٢٣٤٥٦", "' OR '1'='1", "", "aaaaa-bbbbb", "<script>"])
def test_hostile_codes_at_the_code_step(client, session, admin, required, code):
    """Finding 16: hostile input at the code step (pending sign-in) is refused beside the field, never a 500."""
    enrolled_admin(client, session, admin)
    password_step(client, admin)
    response = client.post("/login/two-factor", data={"code": code, "remember_device": code})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_demo_admin_signs_in_with_the_published_secret(client, session, make_user, required):
    """Finding 16: `make run`'s demo admin has two-factor on with the secret seed-demo prints."""
    from backoffice import demo

    user = make_user(role="system-admin", email=demo.DEMO_ADMIN_EMAIL)
    demo._enrol_demo_admin(session)
    session.commit()
    assert password_step(client, user).location.endswith("/login/two-factor")
    client.post("/login/two-factor", data={"code": pyotp.TOTP(demo.DEMO_TOTP_SECRET).now()})
    assert client.get("/admin/").status_code == 200
