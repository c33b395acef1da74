"""scrapyd as the crawl fleet: ``newsfeed schedule`` over two real scrapyd nodes on 127.0.0.1,
crawling demo portals into one PostgreSQL store; a node killed mid-job."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsfeed.store.db import Store
from tests.servers import (
    Gate,
    PostgresServer,
    ScrapydNode,
    cli_env,
    demo_portals,
    start_cli,
    start_scrapyd,
)

pytestmark = pytest.mark.slow

DEMO_ARTICLES = 11


GATED = ["kill_a", "slot1_a", "slot1_b", "slot2_a", "slot2_b"]
KEYS = ["fleet_a", "fleet_b", "fleet_c", "fleet_d", "kill_b", *GATED]


@dataclass
class Fleet:
    """Two scrapyd nodes shared by this module's tests, crawling the demo portals ``KEYS``
    into one PostgreSQL database (each test schedules portals of its own, and reads only
    theirs). The sites of ``GATED`` portals hold their crawls after one article until the
    test lets them go (:class:`tests.servers.Gate`), instead of a download delay."""

    nodes: list[ScrapydNode]
    env: dict[str, str]
    """The scheduler's environment."""
    node_env: dict[str, str]
    folder: Path
    gates: dict[str, Gate]
    pg_url: str


@pytest.fixture(scope="module")
def fleet(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    folder = tmp_path_factory.mktemp("fleet")
    profiles = folder / "profiles"
    gates = {key: Gate(passed=1) for key in GATED}
    pg_url = postgres.create_database()
    try:
        with demo_portals(KEYS, profiles, gates=gates), contextlib.ExitStack() as stack:
            node_env = cli_env(
                NEWSFEED_DATABASE_URL=pg_url,
                NEWSFEED_PROFILES_DIR=str(profiles),
                NEWSFEED_DOWNLOAD_DELAY="0",
                NEWSFEED_VAR_DIR=str(folder / "nodes" / "var"),
            )
            nodes = []
            for name in ("node1", "node2"):
                node = start_scrapyd(folder / name, node_env, slots=2)
                stack.callback(node.kill)
                nodes.append(node)
            env = cli_env(NEWSFEED_DATABASE_URL=pg_url, NEWSFEED_PROFILES_DIR=str(profiles))
            yield Fleet(nodes, env, node_env, folder, gates, pg_url)
    finally:
        postgres.drop_database(pg_url)


def _schedule(
    nodes: list[ScrapydNode],
    keys: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    slots: int | None = None,
    build: bool = True,
) -> subprocess.Popen[str]:
    args = [a for n in nodes for a in ("--scrapyd", n.url)]
    if not build:
        args.append("--no-build")
    if slots is not None:
        args += ["--slots", str(slots)]
    return start_cli("schedule", *args, *keys, cwd=cwd, env=env)


def test_schedule_spreads_one_job_per_portal_over_two_nodes_then_builds(
    tmp_path: Path, fleet: Fleet
) -> None:
    keys = ["fleet_a", "fleet_b", "fleet_c", "fleet_d"]
    nodes = fleet.nodes
    # no --slots: each node takes what its daemonstatus.json shows it can
    proc = _schedule(nodes, keys, cwd=tmp_path, env=fleet.env)
    out, err = proc.communicate(timeout=300)
    logs = "\n".join(n.log() for n in nodes)
    assert proc.returncode == 0, f"{out}\n{err}\n{logs}"
    for node in nodes:
        assert out.count(f"on {node.url}") >= 2, f"jobs on both nodes:\n{out}"
    assert "4 portals: 4 ok" in out or ("4 portals:" in out and "0 failed" in out), out
    with Store(fleet.pg_url) as store:
        reports = [r for r in store.reports() if set(r["portals"]) & set(keys)]
        assert sorted(k for r in reports for k in r["portals"]) == keys, "one job per portal"
        assert all(r.get("job") for r in reports), "each written by its scrapyd job"
        for key in keys:
            assert store.count(key) == DEMO_ARTICLES, key
    for key in keys:
        feed = tmp_path / "feeds" / key / "all.atom.xml"
        assert feed.is_file(), f"no feed for {key}: {out}"
        assert feed.read_bytes().count(b"<entry>") == DEMO_ARTICLES
    metrics = (tmp_path / "var" / "metrics" / "newsfeed.prom").read_text(encoding="utf-8")
    assert all(f'portal="{key}"' in metrics for key in keys)
    # the nodes wrote their own report files too, as `newsfeed crawl` does
    written = [json.loads(p.read_text()) for p in fleet.folder.glob("nodes/var/reports/*.json")]
    assert sorted(k for r in written for k in r["portals"] if k in keys) == keys


def _running(node: ScrapydNode) -> list[str]:
    with urllib.request.urlopen(node.url + "listjobs.json?project=newsfeed", timeout=5) as r:
        return [job["id"] for job in json.loads(r.read())["running"]]


def test_a_node_killed_mid_job_is_reported_and_its_portal_crawled_again(
    tmp_path: Path, fleet: Fleet
) -> None:
    keys = ["kill_a", "kill_b"]
    gate = fleet.gates["kill_a"]
    # the node to kill is this test's own; the other is the fleet's second node
    doomed = start_scrapyd(tmp_path / "doomed", fleet.node_env, slots=1)
    nodes = [doomed, fleet.nodes[1]]
    try:
        proc = _schedule(nodes, keys, cwd=tmp_path, env=fleet.env, slots=1)
        try:
            deadline = time.monotonic() + 90
            with Store(fleet.pg_url) as store:
                # kill the first node once its job has stored something and is held by the
                # site: mid-crawl
                while not (_running(doomed) and store.count("kill_a") and gate.reached.is_set()):
                    assert time.monotonic() < deadline, "no job started on node 1"
                    assert proc.poll() is None, proc.communicate()
                    time.sleep(0.1)
            doomed.kill()
            gate.release()  # the job scheduled again is not held
            out, err = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    finally:
        doomed.kill()
    assert proc.returncode == 0, f"{out}\n{err}\n{nodes[1].log()}"
    assert f"kill_a: failed: the node {doomed.url} stopped answering" in out, out
    assert "scheduling it once more" in out
    assert "kill_a: scheduled (again) as job" in out and f"on {nodes[1].url}" in out
    with Store(fleet.pg_url) as store:
        assert store.count("kill_a") == DEMO_ARTICLES, "the portal ends complete"
        assert store.count("kill_b") == DEMO_ARTICLES
        jobs = [r for r in store.reports() if "kill_a" in r["portals"]]
        assert len(jobs) == 1, "the killed job wrote no report; the second one did"
    assert (tmp_path / "feeds" / "kill_a" / "all.atom.xml").is_file()


@pytest.mark.parametrize("nodes", [["http://127.0.0.1:9/"]])
def test_schedule_with_no_node_answering_fails_in_one_line_per_portal(
    nodes: list[str], tmp_path: Path, pg_url: str
) -> None:
    env = cli_env(NEWSFEED_DATABASE_URL=pg_url)
    done = subprocess.run(
        [*start_cli_args(), "schedule", "--scrapyd", nodes[0], "--no-build", "hanoi"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "hanoi: failed: no scrapyd node answers" in done.stdout
    assert "Traceback" not in done.stderr


def start_cli_args() -> list[str]:
    import sys

    return [sys.executable, "-m", "newsfeed"]


def _jobs_on(node: ScrapydNode) -> int:
    """Jobs running or pending on the node; 0 when it is too busy to answer in time."""
    try:
        with urllib.request.urlopen(node.url + "daemonstatus.json", timeout=15) as r:
            answer = json.loads(r.read())
    except OSError:
        return 0
    return int(answer["running"]) + int(answer["pending"])


@pytest.mark.parametrize(("slots", "most_at_once"), [(None, 2), (1, 1)])
def test_slots_default_to_what_the_node_takes_and_the_option_caps_them(
    slots: int | None, most_at_once: int, tmp_path: Path, fleet: Fleet
) -> None:
    keys = [f"slot{most_at_once}_a", f"slot{most_at_once}_b"]
    gates = [fleet.gates[key] for key in keys]
    node = fleet.nodes[0]  # the node has max_proc 2; only it is given to schedule
    # no build: the feeds are the first test's; here only the jobs at once count
    proc = _schedule([node], keys, cwd=tmp_path, env=fleet.env, slots=slots, build=False)
    seen = 0
    first_held: float | None = None
    try:
        while proc.poll() is None:
            seen = max(seen, _jobs_on(node))
            if first_held is None and any(g.reached.is_set() for g in gates):
                first_held = time.monotonic()
            # a crawl is held by its site until a second job is seen on the node, or for 2 s
            # (the scheduler looks 0.2 s after giving a job, then at most a second apart: a
            # free slot would have been given by then)
            if first_held is not None and (seen >= 2 or time.monotonic() > first_held + 2):
                for gate in gates:
                    gate.release()
            time.sleep(0.1)
        out, err = proc.communicate(timeout=60)
    finally:
        for gate in gates:
            gate.release()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, f"{out}\n{err}\n{node.log()}"
    assert first_held is not None, "a crawl was held by its site"
    assert seen == most_at_once, f"at most {seen} jobs at once on the node\n{out}"
    with Store(fleet.pg_url) as store:
        assert all(store.count(key) == DEMO_ARTICLES for key in keys)
