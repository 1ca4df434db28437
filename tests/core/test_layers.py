"""The one-way layers are checked by import-linter (`make test` runs `lint-imports`); this pins the contract."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_layer_contract_names_every_domain_in_order():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    assert contract["type"] == "layers"
    assert contract["layers"] == [
        "marketplace.coordination",
        "marketplace.payments",
        "marketplace.orders",
        "marketplace.pricing",
        "marketplace.catalog",
        "marketplace.accounts",
        "marketplace.core",
    ]
    # No exceptions: catalog asks pricing through its port (catalog/price_rules.py), accounts signals a rename.
    assert "ignore_imports" not in contract


def _imports_inside_functions(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    modules = [inner.module or ""]
                elif isinstance(inner, ast.Import):
                    modules = [alias.name for alias in inner.names]
                else:
                    continue
                if any(m.startswith("marketplace") for m in modules):
                    yield f"{path.relative_to(ROOT)}:{inner.lineno}"


def test_no_import_of_our_own_hides_inside_a_function():
    """An import inside a function hides a circle from import-linter; the app factory imports at the top too."""
    hidden = [
        where for path in sorted((ROOT / "marketplace").rglob("*.py")) for where in _imports_inside_functions(path)
    ]
    assert hidden == []


def test_make_test_runs_the_import_contract():
    assert "$(BIN)/lint-imports" in (ROOT / "Makefile").read_text()
