"""The full-text index's keys, made token by token from a cache, are those of the whole text."""

from __future__ import annotations

import pytest

from newsfeed.store import fulltext
from newsfeed.store.query import prepare, words_of

TEXTS = [
    "Ủy ban nhân dân thành phố Đà Nẵng: kế hoạch năm 2026 (Covid-19, «hoà» và «hòa»).",
    "Thuỷ lợi, thủy lợi; QUÝ / qúy — tin_tức … 5G 4.0 #chuyển_đổi_số",
    "-- ... «» ,,, ---",  # tokens without a word
    "cafe\u0301 e\u0302\u0301 a\u0323 x\u0308y",  # NFD marks, one NFC cannot compose
    "dòng\u2028mới\u00a0nbsp\u3000ideographic\tTab\u200bzero-width\x1cfile-sep",
    "",
]


def _keys_of_whole_text(text: str | None) -> tuple[str, str]:
    words = words_of(prepare(text))
    return " ".join(w[0] + w[1] for w in words), " ".join(w[2] for w in words)


@pytest.mark.parametrize("text", TEXTS)
def test_keys_are_the_whole_texts_keys(text: str) -> None:
    data = {"title": text, "summary": None, "body_text": f"{text} {text.upper()} {text}"}
    got = fulltext.keys(data)
    for i, field in enumerate(("title", "summary", "body_text")):
        exact, folded = _keys_of_whole_text(data[field])
        assert (got[i], got[i + 3]) == (exact, folded), field


def test_keys_survive_the_cache_emptying(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fulltext, "_TOKEN_CACHE_LIMIT", 3)
    monkeypatch.setattr(fulltext, "_token_keys", fulltext._TokenKeys())
    text = " ".join(TEXTS)
    assert fulltext.keys({"title": text})[0] == _keys_of_whole_text(text)[0]
    assert len(fulltext._token_keys) <= 3
