"""Registry lint: every profile loads and is usable; profile errors are clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed.platforms import PLATFORMS
from newsfeed.portals import PROFILES_DIR, ProfileError, Registry, load_profile, portal_from_dict

PROFILE_FILES = sorted(PROFILES_DIR.glob("*.toml"))


def test_there_are_profiles() -> None:
    assert {p.stem for p in PROFILE_FILES} >= {"sotttt_hanoi", "bao_can_tho"}


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_is_valid(path: Path) -> None:
    portal = load_profile(path)
    assert portal.key == path.stem
    assert portal.platform in PLATFORMS, f"unknown platform {portal.platform}"
    assert portal.base_url.startswith("https://")
    assert portal.categories
    for category in portal.categories:
        assert category.url.startswith("https://"), category
        assert category.topic, f"{category.key} has no topic"


def test_category_keys_unique_across_a_portal() -> None:
    for portal in Registry():
        keys = [c.key for c in portal.categories]
        assert len(keys) == len(set(keys))


def test_registry_finds_portal_by_host() -> None:
    registry = Registry()
    found = registry.for_url("http://www.sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien")
    assert found is not None and found.key == "sotttt_hanoi"
    assert registry.for_url("https://example.org/") is None
    with pytest.raises(KeyError, match="unknown portal 'nope'"):
        registry.get("nope")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x"}, "missing required field 'key'"),
        ({"key": "Bad-Key"}, "not ASCII snake_case"),
        (
            {"key": "a", "name": "A", "province": "P", "base_url": "https://a", "platform": "x"},
            r"no \[\[categories\]\]",
        ),
        (
            {
                "key": "a",
                "name": "A",
                "province": "P",
                "base_url": "https://a",
                "platform": "x",
                "categories": [{"key": "c", "name": "C"}],
            },
            r"categories\[0\]: missing required field 'url'",
        ),
    ],
)
def test_profile_errors_name_the_problem(data: dict[str, object], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        portal_from_dict(data, source="test.toml")


def test_key_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(
        (PROFILES_DIR / "bao_can_tho.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ProfileError, match="does not match the file name"):
        load_profile(path)
