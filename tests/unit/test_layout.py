"""The house plan holds: what may import what, and what sits where (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

import enforce_share

PACKAGE = Path(enforce_share.__file__).parent


def imports(path: Path) -> set[str]:
    """The absolute names of the modules ``path`` imports (relative imports resolved)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = parts[:len(parts) - node.level + (path.name == "__init__.py")] if node.level \
                else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_the_record_store_knows_nothing_of_search() -> None:
    offenders = {str(path.relative_to(PACKAGE)): sorted(
        name for name in imports(path) if name.startswith("enforce_share.search"))
        for path in modules("records")}
    assert {path: names for path, names in offenders.items() if names} == {}


#: What a function's ``node`` parameter is asked for when it is a node (not a JSON node).
NODE_USES = {"agency", "reading", "transaction", "registry", "config", "sync", "add_records"}


def test_no_module_takes_the_node_as_any() -> None:
    """Functions say what they need of a node (a Protocol, or Node), not ``Any``."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            untyped = any(arg.arg == "node" and isinstance(arg.annotation, ast.Name)
                          and arg.annotation.id == "Any" for arg in function.args.args)
            used = any(isinstance(use, ast.Attribute) and isinstance(use.value, ast.Name)
                       and use.value.id == "node" and use.attr in NODE_USES
                       for use in ast.walk(function))
            if untyped and used:
                offenders.append(f"{path.relative_to(PACKAGE)}:{function.lineno}")
    assert offenders == []


def test_the_package_root_holds_few_modules() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= 12


def test_the_api_and_the_cli_never_open_sessions() -> None:
    """Every use case is a Node method or a service function: handlers only translate."""
    offenders = []
    for path in [*modules("api"), *modules("cli")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {
                    "reading", "transaction", "sessions"}:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert offenders == []
