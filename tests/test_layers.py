"""The import graph states the architecture (docs/architecture.md): layers, one direction, no cycles.

foundation -> infrastructure -> HTTP shell -> capabilities -> composition. A module may import its own
layer and those below it. A capability reaches another only through that capability's `service` module
(or one of its pure modules, listed in PURE); nothing but the composition imports consult.app; no
views module holds SQL; every module of consult/ and bench/ imports first in a fresh interpreter.

Imports inside functions count like any other (a function-level import hides a cycle, it does not
remove it); imports under `if TYPE_CHECKING:` do not (they name types, they load nothing).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FOUNDATION = {"settings", "i18n", "security", "logs", "batching", "errors", "keys", "forms", "holiday_names"}
INFRASTRUCTURE = {
    "db",
    "ratelimit",
    "links",
    "workers",
    "templating",
    "sessions",
    "audit",
    "reference",
    "capability",
    "mail.message",
    "mail.render",
    "mail.outbox",
    "mail.sender",
}
SHELL = {"web", "middleware", "openapi"}
COMPOSITION = {"app", "cli", "__main__", "demo", "i18n_check"}
CAPABILITIES = {
    "site",
    "accounts",
    "booking",
    "availability",
    "calendar",
    "video",
    "archive",
    "questions",
    "reports",
    "privacy",
    "ops",
    "mail",
    "consent",
}
# Modules of a capability that others may use besides its service: pure code, no I/O of their own.
PURE = {
    "booking.states",
    "booking.refusals",
    "calendar.ics",
    "availability.slots",
    "archive.searchtext",
    "archive.redaction",
    "archive.slug",
    "questions.deadlines",
    "video.window",
    "accounts.totp",
}
# Pure modules import nothing of consult but the foundation.
PURE_ONLY_FOUNDATION = PURE


def modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


CONSULT = modules("consult")


def imports_of(name: str, path: Path) -> set[str]:
    """The consult modules this module imports (at any depth, TYPE_CHECKING blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                for alias in child.names:
                    full = f"{module}.{alias.name}"
                    found.add(full if full in CONSULT else module)
            visit(child)

    visit(tree)
    return {m for m in found if m in CONSULT and m != name and m != "consult"}


GRAPH = {name: imports_of(name, path) for name, path in CONSULT.items()}


def short(name: str) -> str:
    return name.removeprefix("consult.")


def layer(name: str) -> str:
    s = short(name)
    if s in FOUNDATION:
        return "foundation"
    if s in INFRASTRUCTURE:
        return "infrastructure"
    if s in SHELL:
        return "shell"
    if s in COMPOSITION:
        return "composition"
    if s.split(".")[0] in CAPABILITIES:
        return "capability"
    return "unknown"


ALLOWED = {
    "foundation": {"foundation"},
    "infrastructure": {"foundation", "infrastructure"},
    "shell": {"foundation", "infrastructure", "shell"},
    "capability": {"foundation", "infrastructure", "shell", "capability"},
    "composition": {"foundation", "infrastructure", "shell", "capability", "composition"},
}


def test_every_module_belongs_to_a_layer() -> None:
    assert [n for n in CONSULT if n != "consult" and layer(n) == "unknown"] == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    wrong = [
        f"{short(a)} ({layer(a)}) imports {short(b)} ({layer(b)})"
        for a, deps in GRAPH.items()
        if a != "consult"
        for b in sorted(deps)
        if layer(b) not in ALLOWED[layer(a)]
    ]
    assert wrong == []


def test_a_capability_reaches_another_only_through_its_service_or_pure_modules() -> None:
    wrong = []
    for a, deps in GRAPH.items():
        if layer(a) != "capability":
            continue
        own = short(a).split(".")[0]
        for b in sorted(deps):
            target = short(b)
            other = target.split(".")[0]
            if layer(b) != "capability" or other == own:
                continue
            if target == f"{other}.service" or target in PURE:
                continue
            wrong.append(f"{short(a)} imports {target}")
    assert wrong == []


def test_pure_modules_import_only_the_foundation() -> None:
    wrong = [
        f"{name} imports {short(b)}"
        for name in sorted(PURE_ONLY_FOUNDATION)
        for b in sorted(GRAPH[f"consult.{name}"])
        if layer(b) != "foundation" and not short(b).startswith(f"{name}.")  # a pure package's own parts
    ]
    assert wrong == []


def test_nothing_but_the_composition_imports_the_app() -> None:
    importers = sorted(short(a) for a, deps in GRAPH.items() if "consult.app" in deps)
    assert [m for m in importers if layer(f"consult.{m}") != "composition"] == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            strongconnect(v)
    return found


def test_there_is_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S)


def test_no_views_module_holds_sql() -> None:
    wrong = []
    for name, path in CONSULT.items():
        leaf = name.rpartition(".")[2]
        if not (leaf == "views" or leaf.endswith("_views") or leaf == "picker"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                wrong.append(f"{short(name)}:{node.lineno}")
    assert wrong == []


# Every module imports first: clear consult and bench from sys.modules before each import, so that what
# a module needs must come through its own imports (third-party packages stay loaded, for speed).
IMPORT_EACH = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("consult", "bench")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except SystemExit:
        pass
    except BaseException:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(failed))
"""


def test_every_module_of_consult_and_bench_imports_first_in_a_fresh_interpreter() -> None:
    names = [n for n in CONSULT if n != "consult.__main__"] + [
        n for n in modules("bench") if not n.endswith("__main__")
    ]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", IMPORT_EACH, *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
