"""The user's profiles folder (setting ``profiles_dir``): read after the bundled profiles, a
bundled key replaced, a broken profile named with its file and skipped while every other
portal and every command keeps working."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsfeed.portals import PROFILES_DIR, Registry, user_profiles_dir

GOOD = """key = "{key}"
name = "{name}"
province = "Cà Mau"
base_url = "http://127.0.0.1:8123"
platform = "generic"

[[categories]]
key = "tin_tuc"
name = "Tin tức"
url = "http://127.0.0.1:8123/tin-tuc"
topic = "news"
"""

BROKEN = {
    "bad_toml.toml": ('key = "bad_toml"\nname = "unclosed\n', "bad_toml.toml: "),
    "no_categories.toml": (
        GOOD.split("[[categories]]", maxsplit=1)[0].format(key="no_categories", name="N"),
        r"no_categories.toml: no [[categories]]",
    ),
    "no_name.toml": (
        GOOD.format(key="no_name", name="N").replace('name = "N"\n', ""),
        "no_name.toml: missing required field 'name'",
    ),
    "wrong_platform.toml": (
        GOOD.format(key="wrong_platform", name="W").replace('"generic"', '"wordpress"'),
        "wrong_platform.toml: unknown platform 'wordpress' (known: baocantho, dotnetnuke,",
    ),
    "orphan.toml": (
        GOOD.format(key="orphan", name="O").replace("platform =", 'parent = "nowhere"\nplatform ='),
        "orphan.toml: parent 'nowhere' is not a known portal",
    ),
    "misnamed.toml": (
        GOOD.format(key="other_key", name="M"),
        "misnamed.toml: key 'other_key' does not match the file name",
    ),
}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for name, (text, _) in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "xa_tan_phu.toml").write_text(
        GOOD.format(key="xa_tan_phu", name="UBND xã Tân Phú").replace(
            "platform =", 'parent = "ca_mau"\nplatform ='
        ),
        encoding="utf-8",
    )
    (folder / "hanoi.toml").write_text(
        GOOD.format(key="hanoi", name="Hà Nội, my own"), encoding="utf-8"
    )
    return folder


def test_broken_profiles_are_skipped_and_named(tmp_path: Path) -> None:
    registry = Registry(profiles_dir=_folder(tmp_path))
    bundled = len(list(PROFILES_DIR.glob("*.toml")))
    assert len(registry) == bundled + 1  # xa_tan_phu; hanoi replaced, not added
    assert len(registry.problems) == len(BROKEN)
    for name, (_, says) in BROKEN.items():
        (problem,) = [p for p in registry.problems if f"/{name}:" in p]
        assert says in problem and "\n" not in problem
    assert registry.get("xa_tan_phu").parent == "ca_mau"
    assert registry.get("hanoi").name == "Hà Nội, my own"
    assert registry.get("hanoi").base_url == "http://127.0.0.1:8123"
    with pytest.raises(KeyError, match=r"portal 'no_name' was skipped: .*missing required field"):
        registry.get("no_name")
    assert {"hanoi", "xa_tan_phu"} <= registry.user_keys


def test_where_the_folder_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert user_profiles_dir({}) is None  # ./profiles absent: no profiles of one's own
    (tmp_path / "profiles").mkdir()
    assert user_profiles_dir({}) == Path("profiles")
    assert user_profiles_dir({"NEWSFEED_PROFILES_DIR": "/srv/p"}) == Path("/srv/p")
    (tmp_path / "newsfeed.toml").write_text('profiles_dir = "mine"\n', encoding="utf-8")
    assert user_profiles_dir({}) == Path("mine")
    assert user_profiles_dir({"NEWSFEED_PROFILES_DIR": "env"}) == Path("env")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFEED_")}
    return subprocess.run(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_commands_keep_working_with_broken_profiles(tmp_path: Path) -> None:
    _folder(tmp_path)  # ./profiles: read by default
    listed = _cli("portals", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "xa_tan_phu" in listed.stdout and "bac_lieu" in listed.stdout
    skipped = [line for line in listed.stdout.splitlines() if line.startswith("skipped profile")]
    assert len(skipped) == len(BROKEN)
    # each broken file is one warning line on stderr, naming it
    warnings = listed.stderr.strip().splitlines()
    assert len(warnings) == len(BROKEN), listed.stderr
    for name in BROKEN:
        assert sum(name in line for line in warnings) == 1
    assert "Traceback" not in listed.stderr

    build = _cli("build", cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    check = _cli("check", cwd=tmp_path)
    assert check.returncode == 3  # no crawl yet; the skipped profiles are said too
    assert "6 profiles skipped: " in check.stdout and "bad_toml.toml" in check.stdout
    assert len(check.stdout.encode()) < 4096
    crawl = _cli("crawl", "wrong_platform", cwd=tmp_path)
    assert crawl.returncode == 2
    (line,) = crawl.stderr.strip().splitlines()[-1:]
    assert line.startswith("newsfeed: portal 'wrong_platform' was skipped: ")
    assert "wrong_platform.toml: unknown platform 'wordpress'" in line
    assert "start_error" not in crawl.stderr + crawl.stdout
