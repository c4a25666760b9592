"""The packages import one another in one direction only (DESIGN.md, "Dependency rule").

``materials`` imports none of ours; ``review`` and ``build`` import only
``materials``; inside ``server`` services never import views or API, and one
domain's views and API never import another domain's. The imports are read
from the source with ``ast``, the ones inside functions included: an import
deferred into a function is still a dependency, and deferring is how a cycle
hides. Besides the layering, no module may be part of a cycle of imports run
at import time (module level): such a module works or fails depending on
which of its partners was imported first. In ``materials``, ``review`` and
``build`` not even through an import deferred into a function.
"""
from __future__ import annotations

import ast
import functools
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("materials", "review", "build", "server")
# package -> our packages it must never import
FORBIDDEN = {"materials": ("server", "review", "build"), "review": ("server", "build"), "build": ("server", "review")}
FACES = ("views", "api")  # the modules of a server domain that speak HTTP


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (a package's __init__ when the name is not a module)
    file: str  # the importing file, from the project's root
    line: int
    when: str  # "import": run when the module is imported; "call": inside a function; "typing": TYPE_CHECKING only

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source} imports {self.target}"


def modules(root: Path) -> dict[str, Path]:
    """Every Python module of our packages: dotted name -> file."""
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


@functools.cache
def imports(root: Path) -> tuple[Import, ...]:
    """Every import of our packages, resolved to the module it loads, once per (module, target, line)."""
    known = modules(root)
    found: dict[Import, None] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        file = path.relative_to(root).as_posix()

        def visit(node: ast.AST, when: str) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    visit(child, "typing" if when == "typing" else "call")
                elif isinstance(child, ast.If) and _is_type_checking(child.test):
                    visit(child, "typing")
                elif isinstance(child, ast.Import):
                    for alias in child.names:
                        found[Import(name, alias.name, file, child.lineno, when)] = None
                elif isinstance(child, ast.ImportFrom):
                    if child.level:
                        parts = package.split(".")
                        base = ".".join(parts[:len(parts) - child.level + 1] + ([child.module] if child.module else []))
                    else:
                        base = child.module or ""
                    for alias in child.names:
                        sub = f"{base}.{alias.name}"
                        found[Import(name, sub if sub in known else base, file, child.lineno, when)] = None
                else:
                    visit(child, when)

        visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), "import")
    return tuple(found)


def layering_violations(root: Path) -> list[str]:
    """Imports that point up or sideways: materials → review/build/server, review ↔ build, → server."""
    return sorted(str(i) for i in imports(root)
                  if i.target.split(".")[0] in FORBIDDEN.get(i.source.split(".")[0], ()))


def _face(module: str) -> str | None:
    """The domain of ``server.<domain>.views`` / ``server.<domain>.api``; None for any other module."""
    parts = module.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "server" and parts[2] in FACES else None


def _in_domain(module: str) -> bool:
    """A module inside a server package (``server.<package>.<module>``), not a top-level platform module."""
    return module.startswith("server.") and module.count(".") >= 2


def service_violations(root: Path) -> list[str]:
    """Modules of server packages other than views/API that import a views or API module."""
    return sorted(str(i) for i in imports(root)
                  if _in_domain(i.source) and _face(i.source) is None and _face(i.target) is not None)


def cross_face_violations(root: Path) -> list[str]:
    """Views or API modules that import another domain's views or API."""
    return sorted(str(i) for i in imports(root)
                  if _face(i.source) is not None and _face(i.target) not in (None, _face(i.source)))


def _runs(i: Import, deferred: bool) -> bool:
    """Whether the import runs at all (TYPE_CHECKING ones never do), and at import time unless ``deferred``."""
    return i.when == "import" or (deferred and i.when == "call")


def cycles(root: Path, *, deferred: bool = False) -> list[list[str]]:
    """The groups of modules that import each other at module level (with ``deferred``, through
    imports inside functions too), each sorted, largest first.

    Strongly connected components (Tarjan) rather than ``graphlib``: graphlib
    stops at the first cycle, and a report should name every one.
    """
    graph: dict[str, set[str]] = {name: set() for name in modules(root)}
    for i in imports(root):
        if _runs(i, deferred) and i.target in graph and i.target != i.source:
            graph[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups, key=lambda g: (-len(g), g))


def _describe(group: list[str], root: Path, *, deferred: bool = False) -> str:
    edges = [str(i) for i in imports(root) if _runs(i, deferred) and i.source in group
             and i.target in group and i.source != i.target]
    return " ↔ ".join(group) + "\n    " + "\n    ".join(edges)


# -- the project ---------------------------------------------------------------------------------------

def test_materials_imports_none_of_the_other_packages():
    assert [v for v in layering_violations(ROOT) if v.split(":")[0].startswith("materials/")] == []


def test_review_and_build_import_only_materials():
    assert [v for v in layering_violations(ROOT) if v.split(":")[0].startswith(("review/", "build/"))] == []


def test_server_services_never_import_views_or_api():
    assert service_violations(ROOT) == []


def test_server_views_and_api_never_import_another_domains_views_or_api():
    assert cross_face_violations(ROOT) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_itself_through_others_at_module_level(package):
    found = [g for g in cycles(ROOT) if any(m.split(".")[0] == package for m in g)]
    assert not found, "import cycles:\n" + "\n".join(_describe(g, ROOT) for g in found)


@pytest.mark.parametrize("package", ["materials", "review", "build"])
def test_the_libraries_have_no_cycle_hidden_in_a_deferred_import(package):
    found = [g for g in cycles(ROOT, deferred=True) if any(m.split(".")[0] == package for m in g)]
    assert not found, "import cycles:\n" + "\n".join(_describe(g, ROOT, deferred=True) for g in found)


# -- the checks themselves -----------------------------------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def test_the_checks_see_imports_inside_functions_relative_and_from_packages(tmp_path):
    root = _tree(tmp_path, {
        "materials/books.py": """
            def later():
                import server.app
            """,
        "review/rules.py": "from build import site\n",
        "build/site.py": "from ..review import rules\n",
        "server/books/__init__.py": "",
        "server/books/views.py": "from server.sites import api\n",
        "server/books/service.py": """
            def page():
                from . import views
            """,
        "server/sites/__init__.py": "",
        "server/sites/api.py": "from server.sites import service\n",
        "server/sites/service.py": "",
    })
    assert layering_violations(root) == [
        "build/site.py:1: build.site imports review.rules",
        "materials/books.py:3: materials.books imports server.app",
        "review/rules.py:1: review.rules imports build.site",
    ]
    assert service_violations(root) == ["server/books/service.py:3: server.books.service imports server.books.views"]
    assert cross_face_violations(root) == ["server/books/views.py:1: server.books.views imports server.sites.api"]


def test_the_cycle_check_sees_deferred_imports_apart_and_ignores_type_checking_ones(tmp_path):
    root = _tree(tmp_path, {
        "materials/history.py": "from .repository import Author\n",
        "materials/repository.py": "from . import changes\nfrom .history import log\n",
        "materials/changes.py": "",
        "materials/books.py": "def load():\n    from .tasks import x\n",
        "materials/tasks.py": "from .books import load\n",
        "server/app.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from server import cli\n",
        "server/cli.py": "from server.app import create_app\n",
    })
    assert cycles(root) == [["materials.history", "materials.repository"]]
    assert cycles(root, deferred=True) == [["materials.books", "materials.tasks"],
                                           ["materials.history", "materials.repository"]]
