"""The README and Makefile promise what a new user tries first: keep them honest."""

from __future__ import annotations

import re
from pathlib import Path

from backoffice.models.roles import ROLES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def test_quick_start_is_exactly_make_run_and_make_test():
    block = re.search(r"```sh\n(.*?)```", section("Quick start"), re.S).group(1)
    assert block.split("\n")[:-1] == ["make run", "make test"]


def test_configuration_names_the_variables_the_app_reads():
    text = section("Configuration")
    config_source = (ROOT / "backoffice" / "config.py").read_text()
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL"):
        assert f"`{name}`" in text and name in config_source


def test_roles_section_lists_every_role():
    text = section("Roles and permissions")
    for role in ROLES:
        assert f"`{role}`" in text, role


def test_cli_section_shows_the_commands():
    text = section("CLI")
    assert "create-user --email E --password P --role system-admin --first-name A --last-name B" in text
    assert "seed-demo" in text


def _target(name: str) -> str:
    return re.search(rf"^{name}:.*?\n((?:\t.*\n)*)", MAKEFILE, re.M).group(0)


def test_make_run_migrates_seeds_on_first_run_and_serves():
    run, migrate = _target("run"), _target("migrate")
    assert "migrate" in run.split("\n")[0] and "install" in migrate.split("\n")[0]
    assert "db upgrade" in migrate
    assert "seed-demo --if-empty" in run and "run-with-worker --host $(HOST) --port $(PORT)" in run
    assert re.search(r"^PORT \?= 5000$", MAKEFILE, re.M)


def test_make_test_leaves_out_the_browser_tests_and_make_e2e_runs_them():
    assert "--ignore=tests/e2e tests" in _target("test")
    assert "tests/e2e" in _target("e2e")


ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def test_architecture_names_every_package_and_top_level_module():
    """docs/architecture.md is the map of the code: every package and module directly under backoffice/ is on it."""
    package = ROOT / "backoffice"
    names = [p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    names += [p.name for p in package.glob("*.py") if p.name != "__init__.py"]
    missing = [name for name in names if f"{name}/" not in ARCHITECTURE and f"`{name}`" not in ARCHITECTURE
               and name not in ARCHITECTURE]
    assert not missing, f"docs/architecture.md does not mention {missing}"
    for sub in ("services/history/", "models/roles.py", "infra/", "saving.py", "parsers.py"):
        assert sub in ARCHITECTURE, sub


def test_architecture_links_nothing_outside_the_repository():
    assert "../" not in ARCHITECTURE
    assert not re.search(r"\]\((https?:|/)", ARCHITECTURE)


def test_architecture_names_only_paths_that_exist():
    """Every `path/like.py` the page names is in the tree (a moved module can't leave the map behind)."""
    for path in set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)", ARCHITECTURE)):
        candidates = [ROOT / "backoffice" / path, ROOT / path, ROOT / "tests" / path]
        assert any(c.exists() for c in candidates) or list(ROOT.glob(f"backoffice/**/{path}")), path
