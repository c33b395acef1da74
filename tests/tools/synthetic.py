"""Synthetic articles for ``make bench`` and profiling: many, distinct, some reposted.

Texts are random sequences of common Vietnamese syllables, so two articles share almost no
word 3-shingle (as two different news items do), and every :data:`REPOST_EVERY`-th article is
an edited copy of an earlier one on another portal (a header line, a few words changed, a
credit), so the near-duplicate clustering has real work to do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from newsfeed.items import Article
from newsfeed.portals import Portal, portal_from_dict

_VOCABULARY = (
    "ủy ban nhân dân tỉnh thành phố huyện xã phường sở ban ngành đoàn thể cán bộ công chức "
    "viên chức người dân doanh nghiệp hội nghị triển khai kế hoạch nhiệm vụ năm tháng quý "
    "kinh tế xã hội văn hóa giáo dục y tế nông nghiệp công nghiệp thương mại du lịch đầu tư "
    "xây dựng giao thông môi trường tài nguyên khoa học công nghệ thông tin truyền thông "
    "chuyển đổi số cải cách hành chính thủ tục dịch vụ công trực tuyến an ninh quốc phòng "
    "trật tự an toàn phòng chống thiên tai bão lũ hạn hán dịch bệnh vắc xin trường học học "
    "sinh sinh viên giáo viên bệnh viện bác sĩ nhân viên lao động việc làm bảo hiểm chính "
    "sách người có công gia đình trẻ em phụ nữ thanh niên nông dân cựu chiến binh mặt trận tổ "
    "quốc đại biểu quốc hội hội đồng kỳ họp nghị quyết quyết định chỉ thị thông báo kết luận "
    "báo cáo đánh giá kiểm tra giám sát thanh tra phòng chống tham nhũng lãng phí tiết kiệm "
    "ngân sách thu chi vốn dự án công trình khởi công khánh thành hoàn thành tiến độ chất "
    "lượng hiệu quả phát triển bền vững tăng trưởng sản xuất xuất khẩu nhập khẩu hàng hóa thị "
    "trường giá cả điện nước đường bộ cầu cảng sân bay biển đảo rừng núi sông hồ lễ hội di "
    "tích truyền thống lịch sử cách mạng kỷ niệm ngày thành lập chào mừng thi đua khen thưởng "
    "biểu dương điển hình tiên tiến gương sáng học tập làm theo tư tưởng đạo đức"
)
_SYLLABLES = tuple(_VOCABULARY.split())
_HEADERS = ("Sở Thông tin và Truyền thông giới thiệu:", "(Chinhphu.vn) –", "Tin tổng hợp:")
_CREDITS = ("Theo Cổng thông tin điện tử tỉnh", "Nguồn: Báo điện tử Chính phủ", "(PV tổng hợp)")

PORTALS = 20
REPOST_EVERY = 20
"""One article in this many is an edited copy of an earlier one, on another portal."""
WORDS = 250
START = datetime(2025, 1, 1, tzinfo=UTC)


def texts(count: int, *, seed: int = 2026) -> Iterator[tuple[int, str]]:
    """(index, body text) of ``count`` articles, deterministic for a seed."""
    rng = random.Random(seed)
    kept: list[list[str]] = []
    for i in range(count):
        if i % REPOST_EVERY == REPOST_EVERY - 1 and kept:
            words = list(rng.choice(kept))
            for _ in range(rng.randint(3, 5)):
                words[rng.randrange(len(words))] = rng.choice(_SYLLABLES)
            words = [rng.choice(_HEADERS), *words, rng.choice(_CREDITS)]
        else:
            words = rng.choices(_SYLLABLES, k=WORDS)
            if len(kept) < 2000:
                kept.append(words)
            else:
                kept[rng.randrange(len(kept))] = words
        yield i, " ".join(words)


def article(i: int, text: str, *, categories: int = 12) -> Article:
    """Article ``i`` with ``text``: portal ``p<i mod 20>``, one of ``categories`` categories."""
    portal = f"p{i % PORTALS:02d}"
    url = f"https://{portal}.gov.vn/vi/tin/-/view_content/{i}-bai-viet-so-{i}"
    published = (START + timedelta(minutes=7 * i)).isoformat()
    paragraphs = [text[j : j + 400] for j in range(0, len(text), 400)]
    return Article(
        url=url,
        canonical_url=url,
        guid=f"tag:newsfeed,2025:{portal}/{i}",
        portal=portal,
        categories=(f"chuyen_muc_{(i // PORTALS) % categories}",),
        title=f"Bài viết số {i}: " + text[:60],
        summary=text[:160],
        published=published,
        # a line break between paragraphs, as in every real body (the sanitizer keeps the
        # page's layout text): a body of one long line would miss the cost of that text
        body_html="\n".join(f"<p>{p}</p>" for p in paragraphs),
        body_text=text,
    )


def articles(count: int, *, seed: int = 2026, categories: int = 12) -> Iterator[Article]:
    for i, text in texts(count, seed=seed):
        yield article(i, text, categories=categories)


def portals(
    count: int = PORTALS, *, categories: int = 12, topics: tuple[str, ...] = ("news",)
) -> list[Portal]:
    """The portals of :func:`article`'s articles: ``p00`` ... with categories
    ``chuyen_muc_<k>``, the k-th of the topic ``topics[k % len(topics)]``."""
    return [
        portal_from_dict(
            {
                "key": f"p{p:02d}",
                "name": f"Cổng thông tin điện tử tỉnh Thử {p:02d}",
                "province": f"Tỉnh Thử {p:02d}",
                "base_url": f"https://p{p:02d}.gov.vn",
                "platform": "liferay62",
                "categories": [
                    {
                        "key": f"chuyen_muc_{k}",
                        "name": f"Chuyên mục {k}",
                        "url": f"https://p{p:02d}.gov.vn/vi/chuyen-muc-{k}",
                        "topic": topics[k % len(topics)],
                    }
                    for k in range(categories)
                ],
            },
            source="synthetic",
        )
        for p in range(count)
    ]
