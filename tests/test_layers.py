"""The package's layers, kept by reading its imports (``ast``, nothing is imported to check).

* No import cycle among the modules of ``backoffice/``. Two graphs are checked: the imports run when a
  module loads (module level, not under ``if TYPE_CHECKING``), and all imports, function-local ones
  included. A function-local import is deferred, so it can't break loading, but a cycle through one is
  still two modules that need each other: the second graph allows only the cycles named in
  ``DEFERRED_CYCLES``, each with the reason it is still there.
* Nothing in ``models/``, ``services/`` or ``infra/`` imports from ``admin/``, ``auth/``, ``portal.py`` or
  ``demo.py`` (or Flask's request machinery: the layers below the views know no request), and nothing in
  ``models/`` or ``infra/`` imports from ``services/``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "backoffice"

# Cycles that exist only through function-local imports, each a sorted tuple of the modules in it.
DEFERRED_CYCLES: dict[tuple[str, ...], str] = {
    ("backoffice.auth.two_factor", "backoffice.auth.views"): (
        "the two-factor step's routes live on auth's blueprint (auth.views.bp), and sign-in calls that step "
        "(a function-local import in auth.views.login); goes when two-factor gets a blueprint of its own"
    ),
}


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: Path | None = None) -> dict[str, Path]:
    package = package or PACKAGE
    return {_module_name(p, package): p for p in package.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, name: str, modules: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported backoffice module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    found: list[tuple[str, bool]] = []

    def resolve(target: str) -> str | None:
        while target and target not in modules:  # `from backoffice.models import Customer` -> backoffice.models
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                continue
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "backoffice":
                        target = resolve(alias.name)
                        if target:
                            found.append((target, top))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                if base.split(".")[0] != "backoffice":
                    continue
                for alias in child.names:  # `from backoffice.services import history` imports a module
                    target = resolve(f"{base}.{alias.name}")
                    if target:
                        found.append((target, top))
            else:
                visit(child, top)

    visit(tree, True)
    return [(target, top) for target, top in found if target != name]


def _graph(*, module_level_only: bool, package: Path | None = None) -> dict[str, set[str]]:
    modules = _modules(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, top in _imports(path, name, modules):
            if top or not module_level_only:
                graph[name].add(target)
            # importing backoffice.a.b runs backoffice/a/__init__.py first
            parent = target.rpartition(".")[0]
            while parent and (top or not module_level_only):
                if parent in modules and parent != name and not name.startswith(parent + "."):
                    graph[name].add(parent)
                parent = parent.rpartition(".")[0]
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = [0]

    def connect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle_when_modules_load():
    assert _cycles(_graph(module_level_only=True)) == []


def test_no_import_cycle_through_deferred_imports_beyond_the_named_ones():
    assert set(_cycles(_graph(module_level_only=False))) <= set(DEFERRED_CYCLES)


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _wrong_layers(package: Path | None = None) -> list[str]:
    modules = _modules(package)
    wrong = []
    for name, path in modules.items():
        if _layer(name) not in ("models", "services", "infra"):
            continue
        for target, _top in _imports(path, name, modules):
            if _layer(target) in ("admin", "auth", "portal", "demo") or (
                _layer(name) in ("models", "infra") and _layer(target) == "services"
            ):
                wrong.append(f"{name} imports {target}")
    return sorted(set(wrong))


def test_models_and_services_import_nothing_from_the_views_or_the_request_side():
    assert _wrong_layers() == []


def test_models_and_services_read_no_request():
    wrong = []
    for path in [*(PACKAGE / "models").rglob("*.py"), *(PACKAGE / "services").rglob("*.py")]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
                names = {a.name for a in node.names}
                if names & {"request", "session", "g", "current_user"}:
                    wrong.append(f"{path.name}: from {node.module} import {sorted(names)}")
    assert wrong == []


def test_the_checker_sees_a_cycle_and_a_wrong_layer(tmp_path):
    """The checks above can fail: a made-up package with a deferred cycle and a service importing a view."""
    root = tmp_path / "backoffice"
    (root / "services").mkdir(parents=True)
    (root / "admin").mkdir()
    for init in (root, root / "services", root / "admin"):
        (init / "__init__.py").write_text("")
    (root / "services" / "a.py").write_text("from backoffice.services import b\n")
    (root / "services" / "b.py").write_text("def f():\n    from backoffice.admin import view\n")
    (root / "admin" / "view.py").write_text("from backoffice.services.a import thing\n")
    assert _cycles(_graph(module_level_only=True, package=root)) == []
    assert _cycles(_graph(module_level_only=False, package=root)) == [
        ("backoffice.admin.view", "backoffice.services.a", "backoffice.services.b")
    ]
    (root / "services" / "b.py").write_text("from backoffice.admin import view\n")
    assert _cycles(_graph(module_level_only=True, package=root)) == [
        ("backoffice.admin.view", "backoffice.services.a", "backoffice.services.b")
    ]
    assert _wrong_layers(root) == ["backoffice.services.b imports backoffice.admin.view"]


def test_no_rule_compares_a_role_by_its_name_outside_the_roles_module():
    """Rules about roles use the predicates and names of models/roles.py (is_guest, roles_with, ADMIN_ROLE…),
    so a roles editor sees which roles the code relies on: no role name is written into a comparison
    anywhere else (the demo data, which only names the roles its users get, is not a rule)."""
    from backoffice.models.roles import ROLES

    wrong = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).as_posix() in ("models/roles.py", "demo.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            operands = []
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("in_", "not_in"):
                operands = list(node.args)
            for operand in operands:
                for leaf in ast.walk(operand):
                    if isinstance(leaf, ast.Constant) and leaf.value in ROLES:
                        wrong.append(f"{path.relative_to(PACKAGE)}:{leaf.lineno} {leaf.value!r}")
    assert wrong == []
