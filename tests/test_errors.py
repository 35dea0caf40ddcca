"""Errors: every class in ``wsis_kg.errors``; mapped to HTTP only in ``web/problems.py`` and to
exit codes only in ``cli/__init__.py`` (source scans), each class carrying both codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wsis_kg import errors

PACKAGE = Path(errors.__file__).parent
SOURCES = {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8")
           for p in PACKAGE.rglob("*.py")}


def _offenders(pattern: str, allowed: set[str]) -> list[str]:
    rx = re.compile(pattern, re.MULTILINE)
    return sorted(f"{name}:{text.count(chr(10), 0, m.start()) + 1}"
                  for name, text in SOURCES.items() if name not in allowed
                  for m in rx.finditer(text))


def test_every_error_class_lives_in_errors_py() -> None:
    assert _offenders(r"^class \w+\((?:\w+\.)?(?:\w*Error|WsisError|BadRequest|Forbidden|"
                      r"NotFound|ValidationFailed)\)", {"errors.py"}) == []


def test_only_problems_py_builds_problem_responses() -> None:
    assert _offenders(r"problem_response\(|\.to_problem\(|errorhandler\(",
                      {"web/problems.py", "errors.py"}) == []


def test_only_the_cli_entry_turns_errors_into_exit_codes() -> None:
    assert _offenders(r"(?:sys\.exit|SystemExit|ctx\.exit)\(\s*[1-9]",
                      {"cli/__init__.py"}) == []
    assert _offenders(r"\.exit_code\s*=(?!=)", {"errors.py"}) == []


@pytest.mark.parametrize("cls", [c for c in vars(errors).values()
                                 if isinstance(c, type) and issubclass(c, errors.WsisError)],
                         ids=lambda c: c.__name__)
def test_each_error_class_has_its_status_and_exit_code(cls) -> None:
    assert "status" in dir(cls) and 400 <= cls.status < 600
    assert cls.exit_code in (1, 2)


def test_unreadable_input_exits_2_as_a_class_attribute() -> None:
    assert errors.UnsupportedMediaType.exit_code == 2
    assert errors.InputSyntaxError.exit_code == 2
    assert errors.ValidationFailed.exit_code == 1
