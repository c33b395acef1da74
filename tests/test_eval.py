"""`make eval`: the measurement, and the floors it must not drop below."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.tools.eval import (
    FIELDS,
    PlatformScore,
    below_floor,
    collect_cases,
    evaluate,
    format_table,
    load_floors,
    token_f1,
)


@pytest.fixture(scope="module")
def scores() -> dict[str, PlatformScore]:
    return evaluate(collect_cases())


def test_token_f1() -> None:
    assert token_f1("Hà Nội mở thêm tuyến", "hà nội mở thêm tuyến") == 1.0
    # NFD input counts as the same words
    assert token_f1("Ha\u0300 Nội", "Hà Nội") == 1.0
    assert token_f1("a b", "c d") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("a b c d", "a b") == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_no_platform_below_its_floor(scores: dict[str, PlatformScore]) -> None:
    problems = below_floor(scores, load_floors())
    details = [f for s in scores.values() for f in s.failures]
    assert not problems, "\n".join([*problems, "pages:", *details])


def test_generic_is_measured(scores: dict[str, PlatformScore]) -> None:
    generic = scores["generic"]
    assert generic.pages >= 5
    assert all(generic.judged[f] for f in FIELDS)


def test_below_floor_names_platform_field_score_and_floor() -> None:
    tally = PlatformScore(pages=2)
    tally.judged["title"] = 2
    tally.right["title"] = 1
    tally.judged["body_f1"] = 2
    tally.f1_sum = 1.9
    problems = below_floor(
        {"liferay62": tally}, {"*": {"title": 1.0}, "liferay62": {"body_f1": 0.9}}
    )
    assert problems == ["liferay62: title scored 0.500, below its floor 1.000"]
    assert below_floor({"x": tally}, {"x": {"author": 1.0}}) == []  # not judged: no verdict


def test_table_has_every_platform_and_field(scores: dict[str, PlatformScore]) -> None:
    table = format_table(scores)
    header = table.splitlines()[0]
    assert all(name in header for name in FIELDS)
    assert all(any(line.startswith(p) for line in table.splitlines()) for p in scores)


def test_make_eval_command_prints_the_table_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.tools.eval"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    real = next(i for i, line in enumerate(lines) if line.startswith("Real pages"))
    synthetic = next(i for i, line in enumerate(lines) if line.startswith("Synthetic pages"))
    assert real < synthetic, "real pages first, synthetic apart"
    assert lines[real + 1].split()[:2] == ["platform", "pages"]
    assert lines[synthetic + 1].split()[:2] == ["platform", "pages"]
    assert "generic" in done.stdout


def test_cases_say_real_or_synthetic() -> None:
    cases = collect_cases()
    assert any(c.synthetic for c in cases)
    assert all(c.synthetic for c in cases if not c.name.startswith("corpus/"))
    real = [c for c in cases if not c.synthetic]
    assert all(c.name.startswith("corpus/") for c in real), "no recorded fixture yet"
