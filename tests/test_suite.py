"""The test suite itself: no assertion that cannot fail."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def weak_asserts(source: str) -> list[int]:
    """Lines of asserts whose check hides in the message (``assert x, y and z == w``: z == w is never
    evaluated as a check) or that assert a tuple (always true)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        hidden = node.msg is not None and any(isinstance(n, ast.Compare) for n in ast.walk(node.msg))
        if hidden or isinstance(node.test, ast.Tuple):
            lines.append(node.lineno)
    return lines


def test_no_check_hides_in_an_assertion_message():
    found = {p.name: weak_asserts(p.read_text()) for p in sorted(TESTS.glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_search_finds_a_hidden_check():
    assert weak_asserts("assert a == 0, b and c == 'x'\nassert (a, 'msg')\nassert a, b\n") == [1, 2]


def test_code_and_tests_say_what_they_check_not_which_issue_asked():
    import re

    root = TESTS.parent
    files = [*(root / "vecq").rglob("*.py"), *TESTS.glob("*.py"), *(root / "benchmarks").glob("*.py")]
    pattern = re.compile(r"\bissue[ -]\d+|\(issue\b|\bdefect \d+ of", re.I)
    found = [
        f"{p.relative_to(root)}:{n}"
        for p in files
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line) and "pattern = re.compile" not in line
    ]
    assert found == []
