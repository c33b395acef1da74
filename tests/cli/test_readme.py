"""The README's tables are true: commands and their options, exit codes, the crawl report's
fields, the checks, metric names, settings, the hostile-server faults and bounds, the query
language, the files the docs name; read from the README and checked against the code (the
argparse parser, the exit codes the CLI returns, a real crawl's report and metrics file, the
CheckName and Fault enums, the Config fields and crawl settings with their defaults, the
matching rules' cases, the files of the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from newsfeed import cli
from newsfeed.config import Config
from newsfeed.crawl import settings as crawl_settings
from newsfeed.crawl.stats import Fault
from newsfeed.monitor.checks import CheckName

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    """The text of README section ``## title`` (up to the next ``##``)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def table(text: str, header: str) -> list[list[str]]:
    """The rows (cells, stripped) of the Markdown table whose header row starts ``| header``."""
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.startswith(f"| {header} ")),
        None,
    )
    assert start is not None, f"no table with header {header!r}"
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def commands() -> dict[str, argparse.ArgumentParser]:
    """Every command the CLI has, as typed: ``crawl``, ``fixture record``, ``watch add``..."""
    found: dict[str, argparse.ArgumentParser] = {}
    for name, sub in subparsers(cli.build_parser()).items():
        nested = subparsers(sub)
        if nested:
            found.update({f"{name} {n}": p for n, p in nested.items()})
        else:
            found[name] = sub
    return found


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings}


def documented_commands() -> list[tuple[str, str]]:
    """(command, the usage cell's text) per command named in the Usage table."""
    known = commands()
    out = []
    for row in table(section("Usage"), "command"):
        for usage in re.findall(r"`newsfeed ([^`]+)`|`((?:watch|store|fixture) [^`]+)`", row[0]):
            text = usage[0] or "newsfeed " + usage[1]
            text = text.removeprefix("newsfeed ")
            words = text.split()
            name = " ".join(words[:2]) if " ".join(words[:2]) in known else words[0]
            out.append((name, text))
    return out


def test_every_command_in_the_usage_table_exists_with_its_options() -> None:
    known = commands()
    documented = documented_commands()
    assert documented, "the Usage table lists no command"
    for name, usage in documented:
        assert name in known, f"README documents `newsfeed {name}`, which the CLI does not have"
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", usage):
            assert option in options(known[name]), f"`newsfeed {name}` has no {option}"


def test_every_command_of_the_cli_is_in_the_usage_table() -> None:
    documented = {name for name, _ in documented_commands()}
    missing = sorted(set(commands()) - documented)
    assert not missing, f"commands missing from the README's Usage table: {missing}"


def test_every_option_of_a_command_is_in_its_usage() -> None:
    """An option the CLI takes is named in one of its command's rows (by any of its spellings:
    ``-s`` stands for ``--set``), or among the global options below the table."""
    spelled: dict[str, set[str]] = {}
    for name, usage in documented_commands():
        spelled.setdefault(name, set()).update(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", usage))
    global_line = re.search(
        r"^Global options go before the command: (.*?)\n\n", section("Usage"), re.M | re.S
    )
    assert global_line, "the Usage section does not list the global options"
    global_options = set(re.findall(r"`(--[a-z-]+)", global_line.group(1)))
    top = {
        opt
        for action in cli.build_parser()._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    }
    assert top <= global_options, f"global options not listed: {sorted(top - global_options)}"
    for name, parser in commands().items():
        for action in parser._actions:
            names = set(action.option_strings) - {"-h", "--help"}
            if names and not names & spelled.get(name, set()):
                pytest.fail(f"`newsfeed {name}` takes {'/'.join(sorted(names))}, not in the README")


def test_no_usage_row_only_repeats_another() -> None:
    """Two rows of one command (``extract FILE`` and ``extract --listing PAGE``) each document
    something the other does not: a row whose words are all in another row's is stale."""
    rows: dict[str, list[str]] = {}
    for name, usage in documented_commands():
        rows.setdefault(name, []).append(usage)
    for usages in rows.values():
        for i, usage in enumerate(usages):
            for j, other in enumerate(usages):
                if i != j and set(usage.split()) <= set(other.split()):
                    pytest.fail(f"README row `newsfeed {usage}` only repeats `newsfeed {other}`")


def test_the_exit_codes_table_is_the_codes_the_cli_returns() -> None:
    rows = table(section("Running from cron"), "exit code")
    documented = {int(row[0]) for row in rows}
    returned = {cli.EXIT_OK, cli.EXIT_FAILED, cli.EXIT_USAGE, cli.EXIT_LOCKED}
    # a signal's exit is 128 + its number (cli._crawl_exit), for the two that stop a run
    for signum in (signal.SIGINT, signal.SIGTERM):
        returned.add(cli._crawl_exit({"signal": int(signum)}))
    assert cli._crawl_exit({}) == cli.EXIT_OK
    assert documented == returned


def real_metric_names(demo_cwd: Path) -> set[str]:
    """The metric families in the metrics file a real crawl writes: the session's
    ``newsfeed demo`` run (the demo portal, offline), read in the folder it ran in."""
    (prom,) = demo_cwd.rglob("newsfeed.prom")
    families = text_string_to_metric_families(prom.read_text(encoding="utf-8"))
    return {family.name for family in families}


def test_the_metric_names_are_those_written(demo_output: Path) -> None:
    written = real_metric_names(demo_output.parents[2])  # <cwd>/var/demo/feeds
    assert written, "the crawl wrote no metrics"
    rows = table(section("Monitoring and the crawl report"), "metric")
    documented = {re.sub(r"\{.*", "", row[0].strip("`")) for row in rows}
    assert documented - written == set(), "README names metrics that are not written"
    assert written - documented == set(), "metrics written that the README does not name"


def test_the_settings_table_is_the_config() -> None:
    rows = table(section("Configuration"), "setting")
    config = Config()
    by_key = {row[1].strip("`"): row for row in rows}
    settable = {f.name for f in fields(Config)} - {"watches"}  # [[watch]]: its own section
    assert set(by_key) == settable
    for key, row in by_key.items():
        assert row[2] == f"`NEWSFEED_{key.upper()}`", key
        default = str(getattr(config, key))
        cell = row[4].strip("`")
        if default in {"", "."}:
            continue  # e.g. database_url: "empty" in words
        assert cell.rstrip("/").removeprefix("./") == default.rstrip("/"), (key, cell, default)


@pytest.mark.parametrize("args", [("portals",), ("portals", "--json")])
def test_a_closed_pipe_ends_quietly(args: tuple[str, ...], tmp_path: Path) -> None:
    """`newsfeed portals | head -1`: the reader goes away, and no traceback follows. The pipe
    is closed before the CLI writes (what head does after its line, made certain): the small
    output is still in Python's buffer at exit, the large one meets the closed pipe at once."""
    child = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=tmp_path,
        # as cron runs it: a bare environment (no locale, no terminal), where Python's
        # flush at exit meets the closed pipe
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read().decode()
    code = child.wait(timeout=120)
    assert err == "", err
    assert code == cli.EXIT_FAILED  # not 120, Python's "exception ignored at exit"


@pytest.fixture(autouse=True)
def _readme_exists() -> None:
    assert README.is_file()


def _named(cell: str) -> list[str]:
    """The backticked names of a table's first cell (``a`` / ``b``, ``c``)."""
    return re.findall(r"`([a-z_]+)`", cell)


def _report_example() -> dict[str, Any]:
    text = section("Monitoring and the crawl report")
    match = re.search(r"```json\n(.*?)```", text, re.S)
    assert match, "the crawl report section shows no report"
    example: dict[str, Any] = json.loads(match.group(1))
    return example


def test_the_report_fields_are_those_a_crawl_writes(demo_output: Path) -> None:
    """Every key of a real crawl's report (the session's ``newsfeed demo``) is shown in the
    example or named in the field table, and every per-portal field the table names is in it;
    the top-level ones the demo run has no cause to write (``category``, ``store_error``)
    are left to the tests of ``--category`` and of a store failing."""
    (path,) = (demo_output.parent / "reports").glob("*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    (entry,) = report["portals"].values()
    rows = table(section("Monitoring and the crawl report"), "field")
    top = {name for row in rows if "(top level)" in row[1] for name in _named(row[0])}
    per_portal = {name for row in rows if "(top level)" not in row[1] for name in _named(row[0])}
    example = _report_example()
    (example_entry,) = example["portals"].values()
    shown_top = set(example) | top
    shown_portal = set(example_entry) | per_portal
    assert set(report) - shown_top == set(), "report keys the README does not show"
    assert set(entry) - shown_portal == set(), "portal keys the README does not show"
    assert set(report["totals"]) <= shown_portal, "totals the README does not show"
    assert per_portal - set(entry) == set(), "the README names portal fields a crawl lacks"
    assert top - set(report) <= {"category", "store_error"}


def test_every_fault_is_in_the_hostile_servers_tables() -> None:
    """The ``faults`` table names faults the crawl counts, and every fault the crawl counts is
    in it or in the bounds table (``too_large``, ``links_truncated``...)."""
    text = section("Hostile servers")
    faults = {name for row in table(text, "fault (`faults`)") for name in _named(row[0])}
    bounds = {name for row in table(text, "bound") for name in _named(row[2])}
    counted = {fault.value for fault in Fault}
    assert faults - counted == set(), "the faults table names faults the crawl does not count"
    assert counted - faults - bounds == set(), "faults counted that the README does not name"


def test_the_checks_table_names_every_check() -> None:
    """Each finding a run can carry is in the checks table, and the table names no other."""
    rows = table(section("Monitoring and the crawl report"), "check")
    documented = [name for row in rows for name in _named(row[0])]
    assert len(documented) == len(set(documented)), "a check is in the table twice"
    assert set(documented) == {name.value for name in CheckName}


def _spelled(value: int) -> set[str]:
    """How the README may write a setting's value: ``400,000``, ``1024``, ``6 MB``."""
    forms = {str(value), f"{value:,}"}
    if value % 2**20 == 0:
        forms.add(f"{value // 2**20} MB")
    return forms


def test_the_bounds_and_figures_of_hostile_servers_are_the_crawls_settings() -> None:
    """Each setting in the bounds table has the default its row gives, and each setting the
    section quotes with a figure (```DOWNLOAD_TIMEOUT` (20 s)``) has that figure."""
    text = section("Hostile servers")
    quoted = 0
    for row in table(text, "bound"):
        for name in re.findall(r"`([A-Z][A-Z_]+)`", row[0]):
            value = getattr(crawl_settings, name)
            assert any(form in f"{row[0]} {row[1]}" for form in _spelled(value)), (name, value)
            quoted += 1
    for name, figure in re.findall(r"`([A-Z][A-Z_]+)` \((\d[\d,]*)", text):
        assert int(figure.replace(",", "")) == getattr(crawl_settings, name), name
        quoted += 1
    assert quoted >= 12, "the section quotes fewer settings than it did"


def test_every_query_of_the_query_table_is_tried_on_texts_it_matches_and_not() -> None:
    """The matching rules' cases (``tests/feeds/test_watch.py``, run on the rules and on the
    index) hold, for each query the README shows, a text it matches and one it does not."""
    from tests.feeds.test_watch import CASES

    for row in table(section("Watches and search"), "query"):
        query = row[0].strip("`")
        outcomes = {expected for q, fold, _text, expected in CASES if q == query and not fold}
        assert outcomes == {True, False}, f"no case shows what {query!r} matches and not"


@pytest.mark.parametrize("doc", ["README.md", "CONTRIBUTING.md"])
def test_every_file_the_docs_name_exists(doc: str) -> None:
    """A path in backticks (``newsfeed/crawl/stats.py``, ``tests/fixtures/<key>/``: a
    placeholder stands for any name) is in the repository; a bare module name
    (``structured.py``) is a module of the package or the tests."""
    root = README.parent
    text = (root / doc).read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:newsfeed|tests)/[^`\s]*)`", text))
    assert paths, f"{doc} names no file"
    for path in paths:
        pattern = re.sub(r"<[^>]+>", "*", path.split("::")[0]).rstrip("/")
        assert any(root.glob(pattern)), f"{doc} names {path}, which is not there"
    modules = {p.name for p in root.glob("newsfeed/**/*.py")} | {
        p.name for p in root.glob("tests/**/*.py")
    }
    for name in set(re.findall(r"`([a-z_]+\.py)`", text)):
        assert name in modules, f"{doc} names {name}, no module of that name"
