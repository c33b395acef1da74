"""A PostgreSQL store that goes away mid-crawl: one line naming the database (never its
password), exit 1, a crawl report that says so, and nothing half-written in the store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg
import pytest

from newsfeed.store.db import Store
from tests.servers import Gate, cli_env, demo_portals, private_postgres, start_cli

pytestmark = pytest.mark.slow

KEY = "pg_gone"
DEMO_ARTICLES = 11


def _stored(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            row = db.execute("SELECT count(*) FROM articles WHERE portal = %s", (KEY,)).fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0  # the schema is not there yet


def test_a_postgresql_server_stopped_mid_crawl_ends_it_in_one_line(tmp_path: Path) -> None:
    gate = Gate(passed=1)  # the crawl is held after one article until the server is down
    with (
        private_postgres() as server,
        demo_portals([KEY], tmp_path / "profiles", gates={KEY: gate}),
    ):
        url = server.create_database()
        secret = url.replace("postgres@", "postgres:s3cret-pw@")  # trust: any password works
        env = cli_env(
            NEWSFEED_DATABASE_URL=secret,
            NEWSFEED_PROFILES_DIR=str(tmp_path / "profiles"),
            NEWSFEED_DOWNLOAD_DELAY="0",
            NEWSFEED_VAR_DIR=str(tmp_path / "var"),
        )
        proc = start_cli("crawl", KEY, cwd=tmp_path, env=env)
        try:
            deadline = time.monotonic() + 60
            while not _stored(url):  # some articles stored, the crawl still going
                assert time.monotonic() < deadline, "nothing stored in 60 s"
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.05)
            gate.wait_reached()
            server.stop(mode="fast")  # the server shuts down: every session is ended
            gate.release()  # the crawl goes on, and meets the server gone
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

        assert proc.returncode == 1, f"{out}\n{err}"
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, err
        line = lines[0]
        assert "Traceback" not in err
        assert line.startswith("newsfeed: the PostgreSQL store"), line
        assert url.rsplit("@", 1)[1] in line, "names the server and database"
        assert "s3cret-pw" not in err + out, "never the password"

        reports = list((tmp_path / "var" / "reports").glob("*.json"))
        assert len(reports) == 1, "the crawl report says what happened"
        report = json.loads(reports[0].read_text(encoding="utf-8"))
        assert report["status"] == "critical"
        assert report["store_error"] == line.removeprefix("newsfeed: ")
        checks = report["portals"][KEY]["checks"]
        assert [c["message"] for c in checks if c["name"] == "store_failed"] == [
            report["store_error"]
        ]
        assert "s3cret-pw" not in reports[0].read_text(encoding="utf-8")

        # nothing half-written: every stored article whole, with its categories; the crawl's
        # report was never saved; the next crawl completes the portal
        server.start()
        with Store(url) as store:
            stored = store.articles(portal=KEY)
            assert 0 < len(stored) < DEMO_ARTICLES
            for found in stored:
                assert found.article.title and found.article.body_text
                assert found.article.categories
            assert store.reports() == []
        again = start_cli("crawl", KEY, cwd=tmp_path, env=env)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, f"{out}\n{err}"
        with Store(url) as store:
            assert store.count(KEY) == DEMO_ARTICLES
