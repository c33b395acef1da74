"""The shared topic taxonomy: one small fixed set of keys that every portal category maps to.

Portals name the same kind of news differently ("Hoạt động lãnh đạo", "Tin hoạt động của lãnh
đạo tỉnh", "Hoạt động Lãnh đạo thành phố"); a category's ``topic`` says which kind it is, so a
user can follow one topic (say ``leadership``) across all provinces. The set is closed on
purpose: a profile naming a topic that is not here fails to load. Add a topic here, with both
labels, before a profile uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic:
    """One topic of the taxonomy."""

    key: str
    """ASCII snake_case; what profiles write in a category's ``topic``."""
    vi: str
    """The Vietnamese label, in the wording most portals use."""
    en: str
    """The English label."""


_TOPICS = (
    Topic(key="leadership", vi="Hoạt động lãnh đạo", en="Leadership activities"),
    Topic(key="news", vi="Tin tức - sự kiện", en="News and events"),
    Topic(key="direction", vi="Chỉ đạo điều hành", en="Direction and administration"),
    Topic(key="announcements", vi="Thông báo", en="Announcements"),
    Topic(key="documents", vi="Văn bản", en="Legal documents"),
    Topic(key="politics", vi="Chính trị", en="Politics"),
    Topic(key="economy", vi="Kinh tế", en="Economy"),
    Topic(key="society", vi="Văn hóa - xã hội", en="Culture and society"),
    Topic(key="security", vi="Quốc phòng - an ninh", en="Defence and security"),
    Topic(key="localities", vi="Sở ngành - địa phương", en="Departments and localities"),
    Topic(key="national", vi="Tin trong nước", en="National news"),
    Topic(key="international", vi="Tin quốc tế", en="International news"),
    Topic(key="law", vi="Phổ biến pháp luật", en="Law and legal education"),
    Topic(key="press", vi="Báo chí - xuất bản", en="Press and publishing"),
    Topic(key="technology", vi="Công nghệ thông tin", en="Information technology"),
)

TOPICS: Mapping[str, Topic] = MappingProxyType({t.key: t for t in _TOPICS})
"""Every topic by key, in display order."""


def get_topic(key: str) -> Topic:
    """The topic ``key``; a KeyError naming the known keys otherwise."""
    try:
        return TOPICS[key]
    except KeyError:
        raise KeyError(f"unknown topic {key!r} (known: {', '.join(TOPICS)})") from None


__all__ = ["TOPICS", "Topic", "get_topic"]


def topic_label(topic: str) -> tuple[str, str]:
    """(Vietnamese, English) label of a taxonomy topic; the key itself when unknown."""
    known = TOPICS.get(topic)
    return (known.vi, known.en) if known else (topic, topic)
