"""The house by stage (docs/architecture.md): imports run one way, from the front ends down
to the core, with no circle between modules; and no room grows past its size."""

import ast
from pathlib import Path

from .conftest import ROOT

# Lowest first: a module may import from its own layer and those before it, never after.
LAYERS = ["config", "core", "index", "ingest", "check", "answer", "news", "briefs", "evals", "service", "ui",
          "api", "cli"]
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_CLASS_LINES = 300, 60, 200


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / "qa").rglob("*.py")):
        parts = p.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 or parts[1:] and parts[1] in LAYERS else 0


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The qa modules `module` imports anywhere (at the top or inside a function)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        out |= {n for n in names if n in known and n != module and n.startswith("qa.")}
    return out - {"qa"}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports(m, p, set(mods)) for m, p in mods.items()}


def test_every_module_sits_in_a_known_layer():
    strays = [m for m in modules() if m.count(".") >= 2 and m.split(".")[1] not in LAYERS]
    assert strays == [], f"add these packages to LAYERS and docs/architecture.md: {strays}"


def test_imports_run_from_the_front_ends_down_to_the_core():
    upward = sorted(f"{m} ({LAYERS[layer(m)]}) imports {d} ({LAYERS[layer(d)]})"
                    for m, deps in graph().items() for d in deps if layer(d) > layer(m))
    assert upward == [], "\n".join(upward)


def test_no_two_modules_import_each_other_even_through_others():
    g, cycles = graph(), []
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(g[m]):
            if state.get(d) == 1:
                cycles.append(" -> ".join(path[path.index(d):] + [d]))
            elif d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert cycles == [], "\n".join(cycles)


def test_no_module_function_or_class_outgrows_its_room():
    big = []
    for m, p in modules().items():
        text = p.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            big.append(f"{m}: {len(text.splitlines())} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            if not isinstance(node, ast.ClassDef) and size > MAX_FUNCTION_LINES:
                big.append(f"{m}.{node.name}: a function of {size} lines (at most {MAX_FUNCTION_LINES})")
            if isinstance(node, ast.ClassDef) and size > MAX_CLASS_LINES:
                big.append(f"{m}.{node.name}: a class of {size} lines (at most {MAX_CLASS_LINES})")
    assert big == [], "\n".join(big)
