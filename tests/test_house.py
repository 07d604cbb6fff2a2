"""The house rules for the package's code: no module over 400 lines, no function over 60.

Measured with ``ast`` (a function's lines run from its first decorator to its last line), on
every module in handouts/; shown able to fail on a made-up module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import PROJECT

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def too_long(path: Path) -> list[str]:
    """What in one module breaks the rules, as "file: what (lines)"."""
    text = path.read_text(encoding="utf-8")
    found = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{path}: module ({lines} lines)")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path}:{node.lineno}: function {node.name} ({length} lines)")
    return found


def test_no_module_over_400_lines_and_no_function_over_60() -> None:
    modules = sorted((PROJECT / "handouts").rglob("*.py"))
    assert len(modules) > 20
    assert [problem for path in modules for problem in too_long(path)] == []


def test_the_rule_catches_a_long_function_and_a_long_module(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(60))  # 60 lines, plus its def: 61
    fine = tmp_path / "fine.py"
    fine.write_text("def short():\n" + body[: -len("    x59 = 59\n")], encoding="utf-8")
    assert too_long(fine) == []
    long = tmp_path / "long.py"
    long.write_text("@staticmethod\ndef long():\n" + body[: -len("    x59 = 59\n")], encoding="utf-8")
    assert too_long(long) == [f"{long}:2: function long (61 lines)"]  # the decorator counts
    nested = tmp_path / "nested.py"
    nested.write_text(
        "class A:\n    def method(self):\n" + "    " + body.replace("\n    ", "\n        "), encoding="utf-8"
    )
    assert [p.split(": ", 1)[1] for p in too_long(nested)] == ["function method (61 lines)"]
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * 401, encoding="utf-8")
    assert too_long(big) == [f"{big}: module (401 lines)"]
