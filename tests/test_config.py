"""Configuration from the environment: DATABASE_URL, SECRET_KEY (generated once, mode 600), REDIS_URL."""

from __future__ import annotations

import stat

from backoffice import config


def test_secret_key_generated_once_into_instance_with_mode_600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.from_environment(tmp_path / "instance")
    path = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first["SECRET_KEY"]) >= 32
    assert config.from_environment(tmp_path / "instance")["SECRET_KEY"] == first["SECRET_KEY"]


def test_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h:5432/db")
    monkeypatch.setenv("REDIS_URL", "redis://localhost:6379/0")
    values = config.from_environment(tmp_path)
    assert values["SECRET_KEY"] == "from-the-environment"
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/db"
    assert values["REDIS_URL"] == "redis://localhost:6379/0"
    assert not (tmp_path / "secret_key").exists()


def test_defaults(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PASSWORD_HASH_METHOD"):
        monkeypatch.delenv(name, raising=False)
    values = config.from_environment(tmp_path)
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'backoffice.db'}"
    assert values["REDIS_URL"] is None
    assert values["PASSWORD_HASH_METHOD"] == "scrypt"  # the strong default; tests choose a cheap one


def test_secret_key_is_not_committed():
    from pathlib import Path

    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()
    assert "instance/" in ignored
