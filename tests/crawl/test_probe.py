"""``newsfeed probe`` and ``newsfeed discover`` end to end, as a user runs them: over local sites
in the shape of a province's Liferay portal and its communes' sites (tests/probesites.py), then
again offline from the WARC the first run recorded."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsfeed import USER_AGENT
from newsfeed.portals import Registry, load_profile
from tests.conftest import cli_here
from tests.probesites import Site, free_port, serve


def newsfeed(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``newsfeed ARGS`` (probe and discover fetch with urllib, not Scrapy: in this process)."""
    full = {"NEWSFEED_DOWNLOAD_DELAY": "0", **env}
    full.setdefault("NEWSFEED_PROFILES_DIR", str(cwd / "profiles"))
    return cli_here(*args, cwd=cwd, env=full)


def test_probe_live_then_replay(tmp_path: Path) -> None:
    site = Site(name="Cổng Thông tin điện tử tỉnh Thử Nghiệm", short="tỉnh Thử Nghiệm")
    warc = tmp_path / "probe.warc.gz"
    with serve(site) as base:
        live = newsfeed("probe", base + "/", "--record", str(warc), cwd=tmp_path)
    assert live.returncode == 0, live.stderr
    assert site.user_agents == {USER_AGENT}
    assert "/robots.txt" in site.requests
    # one row per topic: what the title, date, author, lead, body, images, related got
    rows = {line.split()[0]: line for line in live.stdout.splitlines() if line[:1].isalpha()}
    for topic in ("leadership", "news", "direction"):
        assert "2026-11-24T16:30:00+07:00" in rows[topic], live.stdout
        assert "chars" in rows[topic]
    assert "detected  liferay62" in live.stdout
    key = "site_127_0_0_1_" + base.rsplit(":", 1)[1]
    written = tmp_path / "profiles" / f"{key}.toml"
    assert f"wrote {written}" in live.stderr
    portal = load_profile(written)
    assert portal.platform == "liferay62"
    assert portal.base_url == base and portal.province == "Thử Nghiệm"
    assert {c.topic: c.url for c in portal.categories} == {
        "leadership": f"{base}/vi/hoat-dong-lanh-dao",
        "news": f"{base}/vi/tin-tuc-su-kien",
        "direction": f"{base}/vi/chi-dao-dieu-hanh",
    }
    # the user's profile is a known portal now, for every command
    listed = newsfeed("portals", cwd=tmp_path)
    assert listed.returncode == 0 and key in listed.stdout

    # the server is gone: the same probe from the WARC, the profile not overwritten
    replay = newsfeed("probe", base + "/", "--replay", str(warc), cwd=tmp_path)
    assert replay.returncode == 1
    assert replay.stdout == live.stdout
    assert replay.stderr.strip().endswith(f"not written: {written} exists (--force replaces it)")
    forced = newsfeed("probe", base + "/", "--replay", str(warc), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert load_profile(written) == portal


def test_probe_json_and_options(tmp_path: Path) -> None:
    site = Site(name="Trang thông tin điện tử xã Tân Phú", short="xã Tân Phú", direction=False)
    with serve(site, "127.0.0.2") as base:
        done = newsfeed(
            "probe", base, "--json", "--key", "tan_phu", "--province", "Cà Mau", cwd=tmp_path
        )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True and data["platform"] == "liferay62"
    assert [c["topic"] for c in data["categories"]] == ["leadership", "news"]
    assert all(c["complete"] for c in data["categories"])
    portal = load_profile(tmp_path / "profiles" / "tan_phu.toml")
    assert portal.province == "Cà Mau" and len(portal.categories) == 2


def test_probe_of_a_vnportal_site_with_a_dead_menu_link(tmp_path: Path) -> None:
    site = Site(name="Cổng thông tin điện tử xã Tân Phú", short="xã Tân Phú", shape="vnportal")
    with serve(site, "127.0.0.6") as base:
        done = newsfeed("probe", base + "/", "--key", "tan_phu", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "detected  vnportal" in done.stdout
    rows = {
        line.split()[0]: line.split() for line in done.stdout.splitlines() if line[:1].isalpha()
    }
    assert rows["direction"][1:] == ["0", *["-"] * 7]  # the menu's link answers 404
    assert f"problem: {base}/vi/chi-dao-dieu-hanh answered HTTP 404" in done.stdout
    assert "2 of 3 categories yield articles" in done.stderr
    portal = load_profile(tmp_path / "profiles" / "tan_phu.toml")
    assert portal.platform == "vnportal"
    assert {c.topic: c.url for c in portal.categories} == {  # not the dead link
        "leadership": f"{base}/hoat-dong-lanh-dao",
        "news": f"{base}/tin-tuc-su-kien",
    }
    assert portal.category("hoat_dong_lanh_dao").name == "Tin hoạt động lãnh đạo"


def test_probe_failures_say_why_in_one_line(tmp_path: Path) -> None:
    with serve(Site(name="x", short="x", bare=True), "127.0.0.3") as bare:
        done = newsfeed("probe", bare + "/", cwd=tmp_path)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("newsfeed: probe failed: no category like")
    assert "Hoạt động lãnh đạo" in line
    assert not (tmp_path / "profiles").exists()

    dead = f"http://127.0.0.4:{free_port('127.0.0.4')}/"
    done = newsfeed("probe", dead, cwd=tmp_path)
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"newsfeed: probe failed: cannot fetch {dead}: [Errno 111] Connection refused"
    )


def test_probe_of_a_redirect_to_no_url_says_so_in_one_line(tmp_path: Path) -> None:
    """The home page redirects to /tin (followed), which redirects to no URL."""

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404 if self.path == "/robots.txt" else 302)
            self.send_header("Location", "/tin" if self.path == "/" else "http://[x/tin")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        done = newsfeed("probe", url, cwd=tmp_path)
        server.shutdown()
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"newsfeed: probe failed: {url}tin: redirected to 'http://[x/tin', not a URL"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("probe", "camau.gov.vn"), "probe needs an http(s) URL"),
        (("probe", "https://camau.gov.vn/", "--replay", "absent.warc.gz"), "no such WARC file"),
        (("probe", "https://camau.gov.vn/", "--replay", "notes.txt"), "is not a WARC file"),
        (("discover", "nowhere"), "unknown portal 'nowhere'"),
    ],
)
def test_probe_usage_errors(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    (tmp_path / "notes.txt").write_text("not a WARC\n", encoding="utf-8")
    done = newsfeed(*args, cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert says in line and "Traceback" not in done.stderr


@dataclass
class Province:
    base: str
    communes: dict[str, str]
    """commune base URL -> the name its home page prints"""
    dead: str
    bare: str


@pytest.fixture
def province(tmp_path: Path) -> Iterator[Province]:
    """A province portal on 127.0.0.1 whose "Liên kết website" block and drop-down link two
    working commune sites (127.0.0.2 Liferay, 127.0.0.5 vnPortal), a site under maintenance and
    a dead link; its profile in the user's profiles folder."""
    with ExitStack() as stack:
        one = stack.enter_context(
            serve(Site(name="UBND xã Tân Phú", short="xã Tân Phú"), "127.0.0.2")
        )
        two = stack.enter_context(
            serve(Site(name="UBND xã Hòa Bình", short="xã Hòa Bình", shape="vnportal"), "127.0.0.5")
        )

        bare = stack.enter_context(serve(Site(name="-", short="-", bare=True), "127.0.0.3"))
        dead = f"http://127.0.0.4:{free_port('127.0.0.4')}"
        site = Site(
            name="Cổng Thông tin điện tử tỉnh Thử Nghiệm",
            short="tỉnh Thử Nghiệm",
            links=[(one + "/", "Xã Tân Phú"), (bare + "/", "Xã Đang Sửa"), (dead + "/", "Xã Cũ")],
            options=[(two + "/", "Xã Hòa Bình"), (one + "/", "Xã Tân Phú")],
        )
        base = stack.enter_context(serve(site))
        profiles = tmp_path / "profiles"
        profiles.mkdir()
        (profiles / "thu_nghiem.toml").write_text(
            f'key = "thu_nghiem"\nname = "Cổng TTĐT tỉnh Thử Nghiệm"\nprovince = "Thử Nghiệm"\n'
            f'base_url = "{base}"\nplatform = "liferay62"\n\n[[categories]]\nkey = "tin_tuc"\n'
            f'name = "Tin tức"\nurl = "{base}/vi/tin-tuc-su-kien"\ntopic = "news"\n',
            encoding="utf-8",
        )
        yield Province(
            base=base,
            communes={one: "UBND xã Tân Phú", two: "UBND xã Hòa Bình"},
            dead=dead,
            bare=bare,
        )


def test_discover_writes_the_working_communes_under_their_province(
    tmp_path: Path, province: Province
) -> None:
    warc = tmp_path / "discover.warc.gz"
    done = newsfeed("discover", "thu_nghiem", "--record", str(warc), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4, done.stdout  # two communes, the one under maintenance, the dead one
    assert any(province.dead in line and "failed: cannot fetch" in line for line in lines)
    assert any(province.bare in line and "failed: no category like" in line for line in lines)
    assert "2 of 4 linked sites yield articles" in done.stderr

    registry = Registry(profiles_dir=tmp_path / "profiles")
    assert registry.problems == []
    children = [p for p in registry if p.parent == "thu_nghiem"]
    assert {p.base_url: p.name for p in children} == province.communes
    assert all(p.province == "Thử Nghiệm" for p in children)
    # each commune on its own platform, with the categories its menu links to
    assert sorted((p.platform, len(p.categories)) for p in children) == [
        ("liferay62", 3),
        ("vnportal", 2),
    ]
    text = (tmp_path / "profiles" / f"{children[0].key}.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["parent"] == "thu_nghiem"

    # again: the communes are known portals now, under their province
    known = newsfeed("discover", "thu_nghiem", "--no-write", cwd=tmp_path)
    assert known.returncode == 0, known.stderr
    assert known.stdout.count(", under thu_nghiem") == 2
    assert "2 of 4 linked sites are known portals already" in known.stderr

    # offline, from what the first run recorded, with only the province's profile: the same
    # sites, the same verdicts
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "thu_nghiem.toml").write_bytes(
        (tmp_path / "profiles" / "thu_nghiem.toml").read_bytes()
    )
    again = newsfeed(
        "discover",
        "thu_nghiem",
        "--replay",
        str(warc),
        cwd=tmp_path,
        NEWSFEED_PROFILES_DIR=str(fresh),
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in fresh.iterdir()) == sorted(
        p.name for p in (tmp_path / "profiles").iterdir()
    )
    verdicts = [line.split(" — ")[1].split(",")[0] for line in again.stdout.splitlines()]
    assert sorted(v.split(":")[0] for v in verdicts) == ["failed", "failed", "ok", "ok"]


def test_discover_of_a_portal_linking_no_site_fails(tmp_path: Path) -> None:
    with serve(Site(name="Cổng tỉnh", short="tỉnh")) as base:
        profiles = tmp_path / "profiles"
        profiles.mkdir()
        (profiles / "le.toml").write_text(
            f'key = "le"\nname = "Lẻ"\nprovince = "Lẻ"\nbase_url = "{base}"\n'
            f'platform = "generic"\n[[categories]]\nkey = "t"\nname = "Tin"\n'
            f'url = "{base}/vi/tin-tuc-su-kien"\ntopic = "news"\n',
            encoding="utf-8",
        )
        done = newsfeed("discover", "le", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == f"newsfeed: discover: {base} links to no other site"
