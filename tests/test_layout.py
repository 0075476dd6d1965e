"""The package's shape: imports run one way, the app side never loads TensorFlow, and nothing test-only ships."""

import ast
from pathlib import Path

import pytest

from support import ROOT, run_script

MODEL = ROOT / "model"
MODULES = sorted(path.stem for path in MODEL.glob("*.py") if path.stem != "__init__")
# Only train.py loads these; everything else in model/ serves the app, which starts without TensorFlow.
TENSORFLOW_SIDE = {"network", "augment", "training", "export", "keras_model"}
APP_SIDE = sorted(set(MODULES) - TENSORFLOW_SIDE)
NOT_SHIPPED = ("testbench", "tests", "benchmarks", "support", "drawings")


def imported_by(path: Path) -> set[str]:
    """Every top-level module name imported anywhere in a file, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def model_graph() -> dict[str, set[str]]:
    """Each module in model/ -> the modules in model/ it imports."""
    return {module: {name.split(".")[1] for name in imported_by(MODEL / f"{module}.py")
                     if name.startswith("model.")} - {module} for module in MODULES}


def test_the_model_package_has_no_import_cycles() -> None:
    graph = model_graph()
    finished: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            pytest.fail(f"import cycle: {' -> '.join(path[path.index(module):] + [module])}")
        if module not in finished:
            for imported in sorted(graph[module]):
                visit(imported, path + [module])
            finished.add(module)

    for module in MODULES:
        visit(module, [])


def test_the_app_side_imports_nothing_of_the_tensorflow_side() -> None:
    graph = model_graph()
    for module in APP_SIDE:
        third_party = {name.split(".")[0] for name in imported_by(MODEL / f"{module}.py")}
        assert not third_party & {"tensorflow", "keras"}, module
        assert not graph[module] & TENSORFLOW_SIDE, module


def test_nothing_shipped_imports_test_or_benchmark_code_or_looks_like_a_test() -> None:
    for path in [*MODEL.glob("*.py"), *(ROOT / "web").glob("*.py"), ROOT / "app.py", ROOT / "train.py"]:
        assert not {name.split(".")[0] for name in imported_by(path)} & set(NOT_SHIPPED), path.name
        functions = [node.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)]
        assert not [name for name in functions if name.startswith("test")], path.name


@pytest.mark.parametrize("module", ["app", *(f"model.{module}" for module in APP_SIDE)])
def test_each_app_side_module_imports_alone_without_tensorflow(module: str) -> None:
    result = run_script("-c", f"import sys, {module}; sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert result.returncode == 0, result.stderr or f"importing {module} loaded TensorFlow"


def test_the_tensorflow_side_imports_alone() -> None:
    imports = "; ".join(f"import model.{module}" for module in sorted(TENSORFLOW_SIDE))
    result = run_script("-c", imports)
    assert result.returncode == 0, result.stderr
