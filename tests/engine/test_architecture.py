"""The engine's shape (docs/engine.md): layers, no import cycle, no Django, no private name
used across modules, modules under 600 lines, and a web process that imports the pipeline
without the parsing side or OCR.

The layer order, the cycle ban and the Django ban are import-linter contracts in
pyproject.toml (``lint-imports`` runs them here); the rules it cannot express are checked by
an AST walk over the engine's files. Both are also run on a small package made to break them,
so that a checker that stopped seeing anything would fail too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "extractions" / "engine"
MAX_MODULE_LINES = 600
PLAIN_PYTHON_FORBIDS = ("django", "rest_framework", "celery")


# --------------------------------------------------------------------------- the AST walk


@dataclass
class Findings:
    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> package modules
    cycles: list[list[str]] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    private: list[str] = field(default_factory=list)
    unexplained_lazy: list[str] = field(default_factory=list)


def _module_names(root: Path, package: str) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([package, *parts])] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _function_level(tree: ast.Module) -> set[int]:
    """ids of the import nodes inside a function body."""
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner.update(
                id(sub) for sub in ast.walk(node) if isinstance(sub, (ast.Import, ast.ImportFrom))
            )
    return inner


def _has_comment(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line or the line just above it."""
    same = lines[lineno - 1]
    above = lines[lineno - 2].strip() if lineno >= 2 else ""
    return "#" in same or above.startswith("#")


def walk(root: Path, package: str) -> Findings:
    modules = _module_names(root, package)
    found = Findings()
    for module, path in modules.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        lazy = _function_level(tree)
        is_package = path.name == "__init__.py"
        edges = found.imports.setdefault(module, set())
        aliases: dict[str, str] = {}  # local name -> package module it is bound to
        for node in ast.walk(tree):
            targets: list[tuple[str, str | None]] = []  # (module, imported name)
            if isinstance(node, ast.Import):
                for a in node.names:
                    targets.append((a.name, None))
                    if a.name in modules:
                        aliases[a.asname or a.name.split(".")[0]] = a.name
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                base = _resolve(module, is_package, node)
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    if sub in modules:  # "from . import pdf_text": a module
                        targets.append((sub, None))
                        aliases[a.asname or a.name] = sub
                    else:
                        targets.append((base, a.name))
            else:
                continue
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            for target in sorted({t for t, _ in targets}):
                if target.split(".")[0] in PLAIN_PYTHON_FORBIDS:
                    found.forbidden.append(f"{where} imports {target}")
                if target not in modules:
                    continue
                if target != module:
                    edges.add(target)
                if id(node) in lazy and not _has_comment(lines, node.lineno):
                    found.unexplained_lazy.append(f"{where} imports {target} in a function")
            for target, name in targets:
                if (
                    target in modules
                    and name
                    and name.startswith("_")
                    and not name.startswith("__")
                ):
                    found.private.append(f"{where} imports {name} from {target}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and aliases[node.value.id] != module
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                where = f"{path.relative_to(root.parent)}:{node.lineno}"
                found.private.append(f"{where} uses {aliases[node.value.id]}.{node.attr}")
    found.cycles = _cycles(found.imports)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
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
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def engine() -> Findings:
    return walk(ENGINE, "extractions.engine")


def test_engine_modules_import_no_cycle(engine: Findings) -> None:
    assert engine.cycles == []
    assert len(engine.imports) > 40  # the walk saw the engine


def test_engine_imports_no_django(engine: Findings) -> None:
    assert engine.forbidden == []


def test_no_private_name_is_used_across_engine_modules(engine: Findings) -> None:
    assert engine.private == []


def test_every_import_inside_a_function_says_why(engine: Findings) -> None:
    """Imports on first use are for the web process's start-up (pdfium walks, OCR, the
    parsing side); each says so in a comment, and never dodges a cycle (the cycle tests)."""
    assert engine.unexplained_lazy == []


def test_engine_modules_stay_under_600_lines() -> None:
    sizes = {p: len(p.read_text().splitlines()) for p in ENGINE.rglob("*.py")}
    assert len(sizes) > 40
    assert {str(p.relative_to(ENGINE)): n for p, n in sizes.items() if n >= MAX_MODULE_LINES} == {}


def test_every_engine_package_says_what_it_owns_and_may_import() -> None:
    for init in ENGINE.rglob("__init__.py"):
        if init.parent == ENGINE:
            continue  # the engine's own package: the public API
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "may import" in doc.lower(), init


# --------------------------------------------------------------------------- import-linter


def _lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    assert exe.exists(), "import-linter is a dev dependency: pip install -e '.[dev]'"
    return subprocess.run(
        [str(exe), "--no-cache", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_import_linter_contracts_hold() -> None:
    run = _lint_imports(REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


# --------------------------------------------------------------------------- the checkers fail


BROKEN = {
    "__init__.py": '"""A package made to break every rule."""\n',
    "low.py": "from . import high\n\n\ndef f():\n    return high._secret\n",
    "high.py": (
        "import django\n\nfrom .low import f\n\n_secret = 1\n\n\n"
        "def g():\n    from .low import f as again\n\n    return again\n"
    ),
}


def _broken_package(tmp_path: Path) -> Path:
    package = tmp_path / "brokenpkg"
    package.mkdir()
    for name, text in BROKEN.items():
        (package / name).write_text(text)
    return package


def test_the_ast_walk_sees_a_cycle_django_a_private_name_and_a_silent_lazy_import(
    tmp_path: Path,
) -> None:
    found = walk(_broken_package(tmp_path), "brokenpkg")
    assert found.cycles == [["brokenpkg.high", "brokenpkg.low"]]
    assert found.forbidden == ["brokenpkg/high.py:1 imports django"]
    assert found.private == ["brokenpkg/low.py:5 uses brokenpkg.high._secret"]
    assert found.unexplained_lazy == ["brokenpkg/high.py:9 imports brokenpkg.low in a function"]


def test_the_contracts_break_on_a_cycle_and_on_django(tmp_path: Path) -> None:
    _broken_package(tmp_path)
    (tmp_path / "contracts.toml").write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_packages = ["brokenpkg"]
            include_external_packages = true

            [[tool.importlinter.contracts]]
            name = "acyclic"
            type = "acyclic_siblings"
            ancestors = ["brokenpkg"]

            [[tool.importlinter.contracts]]
            name = "plain"
            type = "forbidden"
            source_modules = ["brokenpkg"]
            forbidden_modules = ["django"]

            [[tool.importlinter.contracts]]
            name = "layers"
            type = "layers"
            containers = ["brokenpkg"]
            layers = ["high", "low"]
            """
        )
    )
    run = _lint_imports(tmp_path, "contracts.toml")
    assert run.returncode != 0
    assert "0 kept, 3 broken" in run.stdout, run.stdout + run.stderr


# --------------------------------------------------------------------------- the web process


def test_importing_the_pipeline_leaves_ocr_and_the_parsing_side_unloaded() -> None:
    """The web process imports the pipeline (through the worker's runner) and extracts
    nothing: what is imported on first use must really stay out of it."""
    code = (
        "import sys, extractions.engine.pipeline, extractions.engine\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    loaded = set(run.stdout.split())
    assert "extractions.engine.pipeline" in loaded
    for heavy in (
        "numpy",
        "rapidocr",
        "onnxruntime",
        "extractions.engine.read.ocr",
        "extractions.engine.read.pdf_text",
        "extractions.engine.parsing.fill",
        "extractions.engine.layout.lines",
        "extractions.engine.fields.scalars",
        "docgen",
        "fpdf",
    ):
        assert heavy not in loaded, heavy


def test_the_web_and_worker_processes_do_not_import_the_document_generator(tmp_path: Path) -> None:
    """docgen (and fpdf2) are for tests, benchmarks and training, not for serving requests."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        "import config.urls, config.wsgi, config.celery, extractions.tasks\n"
        "import extractions.engine.pipeline\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "PP_VAR_DIR": str(tmp_path),
    }
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    loaded = set(run.stdout.split())
    assert "extractions.tasks" in loaded
    assert "docgen" not in loaded and "fpdf" not in loaded
