"""Registry lint: every profile loads and is usable; the 34 provincial units are covered;
profile errors are clear."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsfeed.platforms import PLATFORMS
from newsfeed.portals import (
    PROFILES_DIR,
    Portal,
    ProfileError,
    Registry,
    load_profile,
    portal_from_dict,
)
from newsfeed.portals.topics import TOPICS, get_topic
from tests.conftest import CORPUS

PROFILE_FILES = sorted(PROFILES_DIR.glob("*.toml"))

# The 34 provincial units after the merger of 1 July 2025, as provinces.csv names them; used
# when the corpus is absent, and checked against the CSV when it is present.
UNITS_2025 = (
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ",
    "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi",
    "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "TP Hồ Chí Minh", "Đồng Nai", "Tây Ninh",
    "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)  # fmt: skip
REQUIRED_TOPICS = ("leadership", "news", "direction")


def _units() -> list[str]:
    path = CORPUS / "provinces.csv"
    if not path.exists():
        return list(UNITS_2025)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(dict.fromkeys(row["new_unit_2025"] for row in csv.DictReader(handle)))


UNITS = _units()


def _by_province() -> dict[str, list[Portal]]:
    found: dict[str, list[Portal]] = defaultdict(list)
    for portal in Registry():
        found[portal.province].append(portal)
    return found


def test_there_are_profiles() -> None:
    assert {p.stem for p in PROFILE_FILES} >= {"sotttt_hanoi", "bao_can_tho"}


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_is_valid(path: Path) -> None:
    portal = load_profile(path)
    assert portal.key == path.stem
    assert portal.platform in PLATFORMS, (
        f"{path.name}: unknown platform {portal.platform!r} (known: {', '.join(PLATFORMS)})"
    )
    assert urlsplit(portal.base_url).scheme == "https", f"{path.name}: base_url not https"
    assert urlsplit(portal.base_url).hostname, f"{path.name}: base_url has no host"
    assert portal.categories
    for category in portal.categories:
        where = f"{path.name}: category {category.key}"
        assert category.topic in TOPICS, f"{where}: topic {category.topic!r} not in the taxonomy"
        assert category.url or category.labels, f"{where}: needs a url or labels"
        if category.url is not None:
            assert urlsplit(category.url).scheme == "https", f"{where}: url not https"
            assert urlsplit(category.url).hostname, f"{where}: url has no host"
    if portal.verified is not None:
        assert len(portal.verified) == 10 and portal.verified[4] == "-", (
            f"{path.name}: verified must be an ISO date or absent, not {portal.verified!r}"
        )


def test_portal_keys_are_unique_and_match_file_names() -> None:
    keys = [load_profile(path).key for path in PROFILE_FILES]
    assert len(keys) == len(set(keys))
    assert keys == [path.stem for path in PROFILE_FILES]
    assert len(Registry()) == len(PROFILE_FILES)


def test_the_units_list_matches_the_corpus() -> None:
    assert len(UNITS) == 34
    assert sorted(UNITS) == sorted(UNITS_2025), "provinces.csv and UNITS_2025 disagree"


@pytest.mark.parametrize("unit", UNITS)
def test_every_provincial_unit_has_a_portal(unit: str) -> None:
    portals = _by_province().get(unit)
    assert portals, f"no profile with province = {unit!r}"
    complete = [
        p
        for p in portals
        if len(p.categories) >= 3 and set(REQUIRED_TOPICS) <= {c.topic for c in p.categories}
    ]
    assert complete, (
        f"{unit}: no profile with >= 3 categories covering {', '.join(REQUIRED_TOPICS)} "
        f"(profiles: {', '.join(p.key for p in portals)})"
    )


def test_every_province_named_by_a_profile_is_a_unit() -> None:
    assert set(_by_province()) <= set(UNITS)


def test_keys_other_code_relies_on() -> None:
    registry = Registry()
    expected = {
        "hanoi": ("Hà Nội", "vnportal2"),
        "dien_bien": ("Điện Biên", "sharepoint"),
        "quang_ninh": ("Quảng Ninh", "sharepoint"),
        "ca_mau": ("Cà Mau", None),
        "son_la": ("Sơn La", "vnportal"),
        "cao_bang": ("Cao Bằng", "vnportal"),
        "ninh_binh": ("Ninh Bình", "vnportal"),
        "khanh_hoa": ("Khánh Hòa", None),
        "can_tho": ("Cần Thơ", None),
        "da_nang": ("Đà Nẵng", None),
        "bac_ninh": ("Bắc Ninh", None),
        "hai_phong": ("Hải Phòng", None),
    }
    for key, (province, platform) in expected.items():
        portal = registry.get(key)
        assert portal.province == province
        if platform:
            assert portal.platform == platform, key


def test_topics_have_both_labels() -> None:
    assert set(REQUIRED_TOPICS) <= set(TOPICS)
    for key, topic in TOPICS.items():
        assert topic.key == key and topic.vi and topic.en
    assert get_topic("leadership").vi == "Hoạt động lãnh đạo"
    with pytest.raises(KeyError, match="unknown topic 'sports'"):
        get_topic("sports")


def test_to_dict_shape() -> None:
    data = Registry().get("lang_son").to_dict()
    assert set(data) == {
        "key", "name", "province", "base_url", "platform", "categories", "verified", "language",
        "status", "evidence", "parent",
    }  # fmt: skip
    assert data["verified"] is None and data["parent"] is None
    assert data["status"] in {"evidence", "unknown"}
    category = data["categories"][0]
    assert set(category) == {"key", "name", "url", "labels", "topic"}
    assert category["url"] is None and category["labels"] and category["topic"] == "leadership"


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


_BASE = {"key": "a", "name": "A", "province": "P", "base_url": "https://a", "platform": "generic"}
_CATEGORY = {"key": "c", "name": "C", "url": "https://a/c", "topic": "news"}


def test_profiles_know_every_platform_and_only_those() -> None:
    """The portals layer checks platform names without importing the adapters (a layer up)."""
    from newsfeed.platforms import PLATFORMS
    from newsfeed.portals import PLATFORM_KEYS

    assert set(PLATFORM_KEYS) == set(PLATFORMS)


def test_a_local_http_base_url_loads() -> None:
    portal = portal_from_dict(
        {**_BASE, "base_url": "http://127.0.0.1:8123/", "categories": [_CATEGORY]}
    )
    assert portal.base_url == "http://127.0.0.1:8123"


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
                "categories": [{"key": "c", "name": "C", "topic": "news"}],
            },
            r"categories\[0\]: needs a 'url' or 'labels'",
        ),
        (
            {**_BASE, "categories": [{"key": "c", "name": "C", "url": "https://a/c"}]},
            r"categories\[0\]: missing required field 'topic'",
        ),
        (
            {
                **_BASE,
                "categories": [{"key": "c", "name": "C", "url": "https://a/c", "topic": "x"}],
            },
            r"categories\[0\]: unknown topic 'x'",
        ),
        (
            {**_BASE, "categories": [{"key": "c", "name": "C", "labels": "Tin", "topic": "news"}]},
            r"categories\[0\]: labels must be a list",
        ),
        (
            {**_BASE, "categories": [{"key": "c", "name": "C", "labels": [""], "topic": "news"}]},
            r"categories\[0\]: labels must be a list of non-empty strings",
        ),
        (
            {**_BASE, "platform": "wordpres", "categories": [_CATEGORY]},
            r"test.toml: unknown platform 'wordpres' \(known: baocantho, .*generic, .*vnportal2\)",
        ),
        (
            {**_BASE, "base_url": "a.gov.vn", "categories": [_CATEGORY]},
            r"test.toml: base_url 'a.gov.vn' is not an http\(s\) URL",
        ),
        (
            {**_BASE, "parent": "Bac-Lieu", "categories": [_CATEGORY]},
            r"test.toml: parent must be the key of a portal",
        ),
        ({**_BASE, "parent": "a", "categories": [_CATEGORY]}, "is the portal itself"),
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


def test_a_category_by_labels_only_loads() -> None:
    portal = portal_from_dict(
        {**_BASE, "categories": [{"key": "c", "name": "C", "labels": ["Tin"], "topic": "news"}]}
    )
    category = portal.category("c")
    assert category.url is None and category.needs_discovery
    assert category.labels == ("Tin",)
