"""The fingerprint's literal prefilter (``_Trace.needles``) never hides a trace.

A trace's regex is searched only when one of its needles is in the page, so a needle that a
match of the pattern can lack would silently drop evidence: every alternative of every pattern
must contain one of its trace's needles, and on every page we hold the fingerprint must name the
same family, evidence and scores as the plain regex searches.
"""

from __future__ import annotations

import re
import re._parser as sre  # the stdlib's regex parser: reads each pattern's literals
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

import pytest

from newsfeed.platforms import fingerprint as fp
from tests.conftest import CORPUS, REPO

TRACES = (
    *fp._TRACES,
    *fp._LIFERAY7_TRACES,
    *fp._LIFERAY62_TRACES,
    *fp._VNPORTAL2_TRACES,
    *fp._VNPORTAL_TRACES,
)


def _spellings(ops: sre.SubPattern) -> list[list[str | None]]:
    """Every way through ``ops``: the parser factors alternatives (``/a|/b`` is ``/`` then a
    branch), so branches and groups are multiplied out; ``None`` marks anything that is not a
    literal (a class, a repeat, a boundary), which ends a run of literals."""
    ways: list[list[str | None]] = [[]]
    for op, arg in ops:
        if op is sre.LITERAL:
            ways = [[*way, chr(arg)] for way in ways]
        elif op is sre.BRANCH or op is sre.SUBPATTERN:
            parts = arg[1] if op is sre.BRANCH else [arg[-1]]
            tails = [tail for part in parts for tail in _spellings(part)]
            ways = [[*way, *tail] for way in ways for tail in tails]
        else:
            ways = [[*way, None] for way in ways]
    return ways


def _alternatives(pattern: str) -> list[list[str]]:
    """For each way a match of ``pattern`` can be spelled, the literal runs it contains."""
    return [
        ["".join(run) for literal, run in groupby(way, key=lambda c: c is not None) if literal]
        for way in _spellings(sre.parse(pattern))
    ]


@pytest.mark.parametrize("trace", TRACES, ids=lambda t: f"{t.family}:{t.label}")
def test_every_alternative_of_a_trace_contains_one_of_its_needles(trace: fp._Trace) -> None:
    assert trace.needles, "a trace without needles would never be searched"
    for alternative in _alternatives(trace.pattern.pattern):
        runs = [run.casefold() for run in alternative]
        assert any(n in run for n in trace.needles for run in runs), (
            f"{trace.pattern.pattern!r}: an alternative with literals {runs} contains none of "
            f"the needles {trace.needles}; a page showing it would lose this evidence"
        )


def test_the_needle_check_catches_a_needle_the_pattern_can_lack() -> None:
    wrong = fp._t("drupal", 2, r"/node/\d+|/taxonomy/term/\d+", "nodes", "/node/")
    runs = _alternatives(wrong.pattern.pattern)
    assert runs == [["/node/"], ["/taxonomy/term/"]]
    assert not any(n in run for n in wrong.needles for run in runs[1])


def _pages() -> Iterator[Path]:
    for root in (REPO / "tests" / "fixtures", REPO / "tests" / "sites", CORPUS):
        yield from sorted(root.rglob("*.htm*"))


def _plain(html: str, url: str) -> fp.Fingerprint:
    """The fingerprint with every regex searched, needles or not."""
    searched = [
        fp._Trace(
            family=t.family,
            weight=t.weight,
            pattern=t.pattern,
            label=t.label,
            needles=("",),  # "" is in every text: the regex always runs
        )
        for t in TRACES
    ]
    plain = dict(zip(TRACES, searched, strict=True))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fp, "_TRACES", tuple(plain[t] for t in fp._TRACES))
        mp.setattr(
            fp,
            "_GROUPS",
            tuple(
                (group, tuple(plain[t] for t in versions), default)
                for group, versions, default in fp._GROUPS
            ),
        )
        return fp.fingerprint(html, url)


def test_the_fingerprint_of_every_page_we_hold_is_that_of_the_plain_searches() -> None:
    pages = list(_pages())
    assert len(pages) > 50, "the fixtures and shape sites hold more pages than this"
    for path in pages:
        html = path.read_bytes().decode("utf-8", errors="replace")
        url = f"https://example.gov.vn/{path.name}"
        assert fp.fingerprint(html, url) == _plain(html, url), path


def test_a_trace_is_found_whatever_the_case_of_the_page() -> None:
    page = '<html><head><meta name="generator" content="DRUPAL 10"></head></html>'
    found = fp.fingerprint(page)
    assert "generator Drupal" in found.evidence
    # a letter that folds to ASCII (the long s folds to "s") is matched as re.I matches it
    assert re.search(r"/sites/", "/\u017fites/", re.I)
    assert fp._t("drupal", 2, r"/sites/", "sites", "/sites/").found(
        "/\u017fites/", "/\u017fites/".casefold()
    )
