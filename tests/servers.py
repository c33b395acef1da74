"""Real servers for the tests, started by the tests: a private PostgreSQL cluster, scrapyd
nodes, and local demo portals, all on 127.0.0.1.

PostgreSQL: Debian's server binaries (``/usr/lib/postgresql/*/bin``), ``initdb`` into a
temporary folder and ``pg_ctl`` on a free port, once per session; every test gets a database
of its own. ``initdb`` refuses to run as root, so as root (CI) the cluster runs as ``nobody``
in a folder it owns.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO

import pytest

from newsfeed.demo import demo_profile_data
from newsfeed.demo.server import DemoRequestHandler

REPO = Path(__file__).resolve().parents[1]


REQUIRE_TOOLS = os.environ.get("NEWSFEED_REQUIRE_TOOLS") == "1"
"""Set by ``.ci/run``: a test whose server or tool is missing fails instead of skipping."""


def require_tool(name: str, install: str) -> None:
    """Skip the test because ``name`` is missing, or fail it where tools are required (CI)."""
    message = f"{name} is not installed ({install})"
    if REQUIRE_TOOLS:
        pytest.fail(f"{message}, and NEWSFEED_REQUIRE_TOOLS=1 requires it", pytrace=False)
    pytest.skip(message)


def which_tool(*names: str, install: str) -> str:
    """The first of ``names`` on PATH; else :func:`require_tool`."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    require_tool(names[0], install)
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- PostgreSQL ---------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The newest Debian PostgreSQL server's bin folder, else ``initdb`` on PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@dataclass
class PostgresServer:
    port: int
    folder: Path
    bindir: Path
    as_user: list[str]
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"newsfeed_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> None:
        """Start the cluster (again), waiting until it accepts connections."""
        # tests need no durability: no fsync, no full-page writes
        options = (
            f"-p {self.port} -h 127.0.0.1 -k '' -F -c full_page_writes=off -c max_connections=60"
        )
        log = self.folder / "server.log"
        pg_ctl = [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data")]
        started = _run([*pg_ctl, "-l", str(log), "-o", options, "-w", "start"])
        assert started.returncode == 0, f"pg_ctl start failed: {started.stderr}{_tail(log)}"

    def stop(self, mode: str = "fast") -> None:
        """Stop the cluster: ``fast`` ends every session (a server shut down), ``immediate``
        as a crash."""
        pg_ctl = [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data")]
        _run([*pg_ctl, "-m", mode, "-w", "stop"])

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60, **kwargs)  # type: ignore[call-overload, no-any-return]


@contextlib.contextmanager
def private_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of its own in a temporary folder, on a free 127.0.0.1 port, stopped
    and removed at the end (a test that stops the server mid-run starts one of these)."""
    bindir = postgres_bindir()
    if bindir is None:
        require_tool("postgresql", "apt-get install postgresql")
    assert bindir is not None
    folder = Path(tempfile.mkdtemp(prefix="newsfeed-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to nobody
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        as_user = ["runuser", "-u", "nobody", "--"]
    data = folder / "data"
    done = _run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]
    )
    assert done.returncode == 0, f"initdb failed: {done.stderr[-2000:]}"
    server = PostgresServer(port=free_port(), folder=folder, bindir=bindir, as_user=as_user)
    try:
        server.start()
        yield server
    finally:
        server.stop(mode="immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with private_postgres() as server:
        yield server


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-2000:]
    except OSError:
        return ""


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this test's own."""
    url = postgres.create_database()
    try:
        yield url
    finally:
        postgres.drop_database(url)


# -- local demo portals -------------------------------------------------------------------


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def write_profile(folder: Path, data: dict[str, object]) -> Path:
    """A portal profile file ``KEY.toml`` from profile data (flat keys + ``[[categories]]``)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if k != "categories"]
    for category in data.get("categories", []):  # type: ignore[attr-defined]
        lines.append("\n[[categories]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in category.items())
    path = folder / f"{data['key']}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Gate:
    """Holds a demo portal's article pages at a point of the crawl the test chooses, instead of
    a download delay: the first ``passed`` article pages are answered, every later request
    waits until :meth:`release` (or the site is shut down). ``reached`` is set when the first
    request is held: the crawl is then at that point, and stays there."""

    def __init__(self, passed: int = 1) -> None:
        self.passed = passed
        self.reached = threading.Event()
        self._open = threading.Event()
        self._lock = threading.Lock()
        self._articles = 0

    def release(self) -> None:
        """Every held request is answered, and no more are held."""
        self._open.set()

    def wait_reached(self, timeout: float = 60) -> None:
        assert self.reached.wait(timeout), f"the crawl did not reach the gate in {timeout} s"

    def hold(self, path: str) -> None:
        if self._open.is_set():
            return
        with self._lock:
            if "/-/view_content/" in path and self._articles < self.passed:
                self._articles += 1
                return
            if self._articles < self.passed:
                return  # listing pages before the articles let through
        self.reached.set()
        self._open.wait(120)


class _GatedHandler(DemoRequestHandler):
    server: _DemoServer

    def do_GET(self) -> None:
        if self.server.gate is not None:
            self.server.gate.hold(self.path)
        super().do_GET()


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    gate: Gate | None = None

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients gone (a crawl killed while a request was held); loud else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextlib.contextmanager
def serve_demo(gate: Gate | None = None) -> Iterator[str]:
    """The demo portal (:mod:`newsfeed.demo.server`'s handler) on a free 127.0.0.1 port,
    optionally behind ``gate``; yields its base URL. Shut down at once at the end (a short
    poll), held requests let go first."""
    server = _DemoServer(("127.0.0.1", 0), _GatedHandler)
    server.gate = gate
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        if gate is not None:
            gate.release()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def demo_portals(
    keys: list[str], profiles: Path, gates: dict[str, Gate] | None = None
) -> Iterator[dict[str, str]]:
    """One demo portal site per key on its own 127.0.0.1 port, with its profile in
    ``profiles`` (for ``NEWSFEED_PROFILES_DIR``); yields key -> base URL. A key in ``gates``
    has its site behind that :class:`Gate`."""
    profiles.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        for key in keys:
            base = stack.enter_context(serve_demo((gates or {}).get(key)))
            data = demo_profile_data(base)
            data["key"] = key
            data["name"] = f"Cổng TTĐT {key}"
            write_profile(profiles, data)
            urls[key] = base
        yield urls


class HoldingProxy:
    """A proxy on 127.0.0.1 that forwards nothing: every connection is held open, unanswered,
    until :meth:`release`, then answered 502 (as the closed port ``127.0.0.1:9`` refuses).
    A crawl through it (``http_proxy`` / ``https_proxy``) is held at its first requests for as
    long as the test needs, and touches no network. ``reached`` is set at the first
    connection held."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self._open = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HoldingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._sock.close()
        self._thread.join(timeout=5)

    def release(self) -> None:
        self._open.set()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with conn:
            if not self._open.is_set():
                self.reached.set()
                self._open.wait(120)
            # an answer, not a bare close: Scrapy waits out its download timeout for a tunnel
            # closed before the proxy answered its CONNECT
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:newsfeed", **extra}
    env.pop("NEWSFEED_CONFIG", None)
    return env


def start_cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- scrapyd ------------------------------------------------------------------------------


@dataclass
class ScrapydNode:
    url: str
    process: subprocess.Popen[bytes]
    folder: Path
    log_file: IO[bytes]

    def kill(self) -> None:
        """SIGKILL the node and its crawl processes (a machine that died)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log_file.close()

    def log(self) -> str:
        return _tail(self.folder / "scrapyd.log")


def scrapyd_bin() -> Path:
    found = Path(sys.executable).with_name("scrapyd")
    if not found.exists():
        require_tool("scrapyd", "make install (the dev extra installs scrapyd from PyPI)")
    return found


def start_scrapyd(folder: Path, env: dict[str, str], *, slots: int = 2) -> ScrapydNode:
    """A scrapyd node on a free 127.0.0.1 port that runs the newsfeed project as installed
    (``[settings]``: no egg needed); its crawl processes get ``env``."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"max_proc = {slots}\n"
        "poll_interval = 0.2\n"
        f"eggs_dir = {folder / 'eggs'}\n"
        f"logs_dir = {folder / 'logs'}\n"
        f"items_dir =\n"
        f"jobs_to_keep = 50\n"
        f"dbs_dir = {folder / 'dbs'}\n"
        "\n[settings]\n"
        "newsfeed = newsfeed.crawl.settings\n",
        encoding="utf-8",
    )
    # Scrapy (scrapyd's `scrapy list` before scheduling) finds the project in the scrapy.cfg of
    # the folder it runs in, as on a node where newsfeed is installed rather than deployed
    (folder / "scrapy.cfg").write_text(
        "[settings]\nnewsfeed = newsfeed.crawl.settings\n", encoding="utf-8"
    )
    log = (folder / "scrapyd.log").open("wb")
    process = subprocess.Popen(
        [str(scrapyd_bin())],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill() takes its crawls along
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "daemonstatus.json", timeout=2):
                return ScrapydNode(url=url, process=process, folder=folder, log_file=log)
        except OSError:
            if process.poll() is not None:
                log.close()
                raise AssertionError(f"scrapyd exited: {_tail(folder / 'scrapyd.log')}") from None
            time.sleep(0.1)
    raise AssertionError(f"scrapyd did not answer in 30 s: {_tail(folder / 'scrapyd.log')}")


__all__ = [
    "REPO",
    "REQUIRE_TOOLS",
    "Gate",
    "HoldingProxy",
    "PostgresServer",
    "ScrapydNode",
    "cli_env",
    "demo_portals",
    "pg_url",
    "postgres",
    "private_postgres",
    "serve_demo",
    "start_cli",
    "start_scrapyd",
]
