"""Near-duplicate detection: unit rules, then a measurement on the real Đà Nẵng corpus.

The corpus (661 articles of danang.gov.vn, text only) is read in place. Each article is
reposted to a fake second portal with the edits portals make when they copy a notice: another
header line, a trailing credit, a few words changed. The clustering must find the reposts
(recall), must not join different news (precision), and must never join unrelated texts.
"""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

from newsfeed.items import Article
from newsfeed.store import dedupe
from newsfeed.store.db import Store
from tests.conftest import corpus_path

TEXT = (
    "Ủy ban nhân dân thành phố vừa ban hành kế hoạch triển khai công tác cải cách hành chính"
    " năm 2026, trong đó tập trung nâng cao chất lượng giải quyết thủ tục hành chính, số hóa hồ"
    " sơ, kết quả giải quyết thủ tục hành chính và đẩy mạnh cung cấp dịch vụ công trực tuyến"
    " toàn trình cho người dân, doanh nghiệp trên địa bàn."
)


def test_shingles_are_nfc_lowercase_word_trigrams() -> None:
    decomposed = "Hoa\u0300 Bi\u0300nh, Đà Nẵng!"  # NFD "Hoà Bình"
    assert dedupe.shingles(decomposed) == ["hoà bình đà", "bình đà nẵng"]
    assert dedupe.shingles("một hai") == []


def test_sketch_resemblance() -> None:
    a = dedupe.sketch(TEXT)
    assert a is not None and list(a) == sorted(a)
    assert len(a) == min(dedupe.SKETCH_SIZE, len(set(dedupe.shingles(TEXT))))
    assert dedupe.resemblance(a, a) == 1.0
    edited = dedupe.sketch("Tin từ Đà Nẵng. " + TEXT.replace("2026", "2027") + " Theo TTXVN.")
    assert edited is not None and dedupe.is_near_duplicate(a, edited)
    other = dedupe.sketch(" ".join(reversed(TEXT.split())))
    assert other is not None and dedupe.resemblance(a, other) < 0.1
    assert dedupe.sketch("Lịch tiếp công dân tuần 47.") is None, "too short to judge"
    assert dedupe.unpack(dedupe.pack(a)) == a
    assert all(-(2**63) <= dedupe.to_signed(h) < 2**63 for h in a)


def test_clusters_are_transitive_and_skip_unsketched() -> None:
    base = dedupe.sketch(TEXT)
    near = dedupe.sketch(TEXT + " Nguồn: Cổng thông tin điện tử thành phố.")
    cluster = dedupe.clusters({"a": base, "b": near, "c": None, "d": base})
    assert cluster["a"] == cluster["b"] == cluster["d"] != cluster["c"]
    assert dedupe.pairs(cluster) == {
        frozenset(("a", "b")),
        frozenset(("a", "d")),
        frozenset(("b", "d")),
    }


# -- the Đà Nẵng corpus with reposts -------------------------------------------------------

_HEADERS = (
    "CỔNG THÔNG TIN ĐIỆN TỬ TỈNH QUẢNG NGÃI – Tin tức sự kiện",
    "Sở Thông tin và Truyền thông giới thiệu:",
    "(Chinhphu.vn) –",
)
_CREDITS = ("Theo danang.gov.vn", "Nguồn: Cổng TTĐT TP Đà Nẵng", "(PV tổng hợp)")
_SWAPS = ("tỉnh", "đồng chí", "các", "năm", "đã", "tổ chức")


def _repost(text: str, rng: random.Random) -> str:
    """What another portal publishes: its header, the text with 3-5 words changed, a credit."""
    words = text.split()
    for _ in range(rng.randint(3, 5)):
        words[rng.randrange(len(words))] = rng.choice(_SWAPS)
    return f"{rng.choice(_HEADERS)}\n{' '.join(words)}\n{rng.choice(_CREDITS)}"


def _load() -> list[dict[str, str]]:
    path = corpus_path("danang", "danang_data_final.csv")
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(dedupe.shingles(a)), set(dedupe.shingles(b))
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def test_danang_reposts_precision_recall_and_time() -> None:
    rows = _load()
    rng = random.Random(2026)
    texts = {("danang", i): row["content"] for i, row in enumerate(rows)}
    texts |= {("repost", i): _repost(row["content"], rng) for i, row in enumerate(rows)}

    started = time.perf_counter()
    sketches = {key: dedupe.sketch(text) for key, text in texts.items()}
    clustered = dedupe.clusters(sketches)
    batch_seconds = time.perf_counter() - started
    found = dedupe.pairs(clustered)

    # Truth: an article and its repost; articles the corpus holds twice (same title or text:
    # the scraper met them under two URLs) with their reposts.
    same_news: dict[str, int] = {}
    group = {}
    for i, row in enumerate(rows):
        news = same_news.setdefault(row["title"].strip().lower(), i)
        news = same_news.setdefault(row["content"], news)
        group[("danang", i)] = group[("repost", i)] = news
    members: dict[int, list[tuple[str, int]]] = {}
    for key in texts:
        members.setdefault(group[key], []).append(key)
    truth = {  # every pair inside a group (not every pair of texts, then filtered)
        frozenset((a, b))
        for keys in members.values()
        for a in keys
        for b in keys
        if a < b and sketches[a] and sketches[b]
    }
    true_positives = found & truth
    precision = len(true_positives) / len(found)
    recall = len(true_positives) / len(truth)
    false_pairs = sorted(found - truth)
    print(
        f"\ndedupe on {len(rows)} Đà Nẵng articles + {len(rows)} reposts: "
        f"{len(found)} pairs found, {len(truth)} true; precision {precision:.3f}, "
        f"recall {recall:.3f}; sketch+cluster {batch_seconds:.2f} s"
    )
    for a, b in false_pairs:
        print(
            f"  joined, not the same news (J={_jaccard(texts[a], texts[b]):.2f}): "
            f"{rows[a[1]]['title'][:60]!r} ~ {rows[b[1]]['title'][:60]!r}"
        )
    for pair in sorted(truth - found)[:10]:
        a, b = sorted(pair)
        print(f"  missed (J={_jaccard(texts[a], texts[b]):.2f}): {rows[a[1]]['title'][:70]!r}")
    assert recall >= 0.97
    assert precision >= 0.97
    # unrelated texts never cluster: every joined pair shares most of its wording
    assert all(_jaccard(texts[a], texts[b]) >= 0.3 for a, b in false_pairs)

    # the store's incremental clustering agrees with the batch and scales the same way
    started = time.perf_counter()
    with Store(":memory:") as store:
        for (portal, i), text in texts.items():
            store.upsert(
                Article(
                    url=f"https://{portal}.vn/{i}",
                    canonical_url=f"https://{portal}.vn/{i}",
                    guid=f"{portal}/{i}",
                    portal=portal,
                    title=rows[i]["title"],
                    body_text=text,
                )
            )
        store_seconds = time.perf_counter() - started
        stored_pairs = {
            frozenset(tuple(g.split("/")) for g in pair)
            for cluster in store.near_duplicate_clusters()
            for pair in dedupe.pairs(dict.fromkeys(cluster, cluster[0]))
        }
        links = store.also_published("danang/0")
    print(f"  store: {len(texts)} upserts with incremental clustering in {store_seconds:.2f} s")
    as_keys = {frozenset((p, int(i)) for p, i in pair) for pair in stored_pairs}
    assert as_keys == found
    # the corpus holds this article twice (row 592): both reposts are "also published"
    assert "https://repost.vn/0" in [link.url for link in links]
    assert all(link.url.startswith("https://repost.vn/") for link in links)
