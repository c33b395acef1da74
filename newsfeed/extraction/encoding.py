"""Which encoding a page is really in when its declared charset lies.

Vietnamese portals meet three encodings: UTF-8 (nearly every page today), windows-1258 (old
ASP and PHP sites, often behind a server that declares UTF-8 for everything) and TCVN3 (ABC,
the national 8-bit font encoding of the 1990s, still in pages pasted from old Word files). A
wrong declaration turns a page into U+FFFD ("H?i ngh?") or mojibake ("Há»™i nghá»‹"), so
:func:`choose_encoding` checks the declared charset and, when it does not decode to Vietnamese,
tries the others and keeps the one that does.

Why a small table and not charset-normalizer: no Python codec exists for TCVN3 or VNI, so no
detector proposes them, and between UTF-8 and windows-1258 the decision needs no statistics: a
body that is valid UTF-8 and not ASCII is UTF-8 (legacy Vietnamese bytes practically never form
valid UTF-8 sequences), and otherwise the candidate whose text reads as Vietnamese wins. "Reads
as Vietnamese" is :func:`vietnamese_score`: letters of the Vietnamese alphabet against signs of
a wrong decoding (replacement characters, C1 controls, Latin-1 letters Vietnamese does not use,
symbols inside words, tone marks left over after NFC). The TCVN3 table below is TCVN 5712:1993
as glibc's iconv maps it (``TCVN5712-1``), registered as the codec ``tcvn3`` so Scrapy responses
can be decoded with it like any other charset.

VNI (the VNI-Windows fonts) writes a letter as a Latin-1 base and separate mark bytes; it is
recognised by its mark pairs and reported as broken (``vni_suspected``), not guessed at.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = ["EncodingChoice", "Score", "choose_encoding", "codec_name", "vietnamese_score"]

# -- TCVN3 ----------------------------------------------------------------------------------

_TCVN3_HIGH = (
    # 0x80-0x9f: capitals with tone marks (VN1; VN3 pages write capitals in a capital font)
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"
    # 0xa0-0xbf
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"
    # 0xc0-0xdf
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịò"
    # 0xe0-0xff
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"
)
_TCVN3_DECODING = "".join(chr(i) for i in range(0x80)) + _TCVN3_HIGH
_TCVN3_ENCODING = codecs.charmap_build(_TCVN3_DECODING)


class _Tcvn3Codec(codecs.Codec):
    def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
        return codecs.charmap_encode(text, errors, _TCVN3_ENCODING)

    def decode(self, data: bytes, errors: str = "strict") -> tuple[str, int]:
        return codecs.charmap_decode(data, errors, _TCVN3_DECODING)


class _Tcvn3IncrementalDecoder(codecs.IncrementalDecoder):
    def decode(self, data: bytes, final: bool = False) -> str:  # type: ignore[override]
        return codecs.charmap_decode(data, self.errors, _TCVN3_DECODING)[0]


class _Tcvn3IncrementalEncoder(codecs.IncrementalEncoder):
    def encode(self, text: str, final: bool = False) -> bytes:
        return codecs.charmap_encode(text, self.errors, _TCVN3_ENCODING)[0]


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "").replace("_", "") not in {"tcvn3", "tcvn57121", "tcvn5712"}:
        return None
    codec = _Tcvn3Codec()
    return codecs.CodecInfo(
        name="tcvn3",
        encode=codec.encode,
        decode=codec.decode,  # type: ignore[arg-type]
        incrementalencoder=_Tcvn3IncrementalEncoder,
        incrementaldecoder=_Tcvn3IncrementalDecoder,
    )


codecs.register(_search)

# -- telling Vietnamese from mojibake ---------------------------------------------------------

_VI_LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_VI_LETTER_RE = re.compile(f"[{_VI_LOWER}{_VI_LOWER.upper()}]")
_TONED = "".join(
    c
    for c in _VI_LOWER
    if set(unicodedata.normalize("NFD", c)) & set("\u0300\u0301\u0303\u0309\u0323")
)
_UPPER_NON_ASCII = "".join(sorted({c.upper() for c in _VI_LOWER} | set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")))
_ALONE = (
    "\ufffd\x80-\x9f\u0300-\u036f"  # replacement, C1 controls, marks that did not compose
    "ÄÅÆÇËÎÏÐÑÖØÛÜÞßäåæçëîïðñöøûüþÿŒœŠšŽžŸƒ"  # Latin-1 letters Vietnamese does not use
)
_SYMBOLS = "\u00a1-\u00bf\u00d7\u00f7\u02c6\u02dc\u2020-\u2022\u2030\u2039\u203a\u2122"
_TONED_ANY = _TONED + _TONED.upper()
# Each sign is one character: the pattern takes any character that can be one, then looks
# behind (at it and the one before) for why it is. Led by one character class, the pattern is
# scanned for in C from candidate to candidate; as an alternation of lookbehinds it was tried
# at every position of the page, 40% slower.
_BAD_RE = re.compile(
    f"[{_ALONE}{_SYMBOLS}{_TONED_ANY}{_UPPER_NON_ASCII}]"
    f"(?:(?<=[{_ALONE}])"
    # a symbol inside a word: what a multi-byte letter read one byte at a time looks like
    f"|(?<=\\S[{_SYMBOLS}])(?=\\S)"
    # a syllable has one tone mark, never on a vowel after a toned one or after â ă ê ô ơ (only
    # ư takes a toned ơ): there it is a combining tone mark read as a letter (windows-1258 read
    # as cp1252 or TCVN3)
    f"|(?<=[âăêôơÂĂÊÔƠ{_TONED_ANY}][{_TONED_ANY}])"
    # a capital inside a lower-case word: the same, for capital tone letters (Ì Ò)
    f"|(?<=[a-z{_VI_LOWER}][{_UPPER_NON_ASCII}]))"
)
_VNI_RE = re.compile("[aeouyAEOUY][øùûõïÙØÛÕÏ]|[aeoAEO][âàáåãäÂÀÁÅÃÄ]|ñ|[oO]ä")


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """How Vietnamese a decoded text looks."""

    letters: int
    """Vietnamese letters with diacritics (ASCII letters prove nothing)."""
    bad: int
    """Signs of a wrong decoding."""

    @property
    def clean(self) -> bool:
        """Few enough signs of a wrong decoding: a German name or a stray symbol is allowed."""
        return self.bad <= 3 + self.letters // 100


_ASCII_INTERIOR_RE = re.compile(r"(?<=[\x00-\x7f]{2})[\x00-\x7f]+(?=[\x00-\x7f]{2})")
"""What lies more than two characters inside a run of ASCII."""


def vietnamese_score(text: str) -> Score:
    """Count Vietnamese letters and signs of a wrong decoding in ``text`` (NFC first).

    Every letter and every sign counted is a non-ASCII character, and a sign looks at most
    one character either side: so the inside of each ASCII run (a page is mostly ASCII markup)
    is cut before the page is normalized and scanned, in one C-level substitution. Two
    characters are kept at each end of a run, not one: NFC may compose an ASCII letter with
    the mark after it, and the letter's own neighbour must still be there."""
    if text.isascii():
        return Score(letters=0, bad=0)
    text = unicodedata.normalize("NFC", _ASCII_INTERIOR_RE.sub("", text))
    return Score(letters=len(_VI_LETTER_RE.findall(text)), bad=len(_BAD_RE.findall(text)))


@dataclass(frozen=True, slots=True, kw_only=True)
class EncodingChoice:
    """What :func:`choose_encoding` decided."""

    encoding: str
    """The codec to decode the page with (a Python codec name)."""
    status: Literal["ok", "repaired", "broken"]
    """``ok``: the declared charset is right; ``repaired``: another one reads as Vietnamese;
    ``broken``: none does (the page must not be published)."""
    detail: str = ""
    """For the operator: what was declared and what was found."""


CANDIDATES = ("utf-8", "cp1258", "tcvn3")
"""What Vietnamese pages are written in, tried in this order after the declared charset."""
SAMPLE_BYTES = 1 << 20
"""The score reads at most this much of a page: a wrong decoding shows on every line."""


def codec_name(name: str | None) -> str | None:
    """The Python codec name of a charset label ("windows-1258" -> "cp1258"), or None."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def choose_encoding(body: bytes, declared: str | None) -> EncodingChoice:
    """The encoding ``body`` is really in, given the charset it was declared (or detected) as.

    The declared charset is kept when it decodes strictly and reads as Vietnamese (or the page
    is ASCII); else the best of :data:`CANDIDATES` that does; else UTF-8 with a few invalid
    bytes (a truncated CMS field) when the rest reads as Vietnamese; else ``broken``.
    """
    first = codec_name(declared) or "utf-8"
    sample = body[:SAMPLE_BYTES]
    if sample.isascii():
        return EncodingChoice(encoding=first, status="ok")
    if len(sample) < len(body):
        # a cut in the middle of a multi-byte letter is not an error of the page
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    tried: dict[str, Score | None] = {}

    def score(name: str) -> Score | None:
        # each candidate decoded and scored once, and only when the answer needs it: a page
        # that reads right as declared (nearly every page) is decoded once, not three times
        if name not in tried:
            try:
                tried[name] = vietnamese_score(sample.decode(name))
            except UnicodeDecodeError:
                tried[name] = None
        return tried[name]

    utf8 = score("utf-8") if first != "utf-8" else None
    if utf8 is not None and utf8.clean and utf8.letters:
        # valid UTF-8 that is not ASCII is UTF-8, whatever was declared
        return EncodingChoice(
            encoding="utf-8", status="repaired", detail=f"declared {first}, decoded as utf-8"
        )
    declared_score = score(first)
    if declared_score is not None and declared_score.clean:
        return EncodingChoice(encoding=first, status="ok")
    scores = {
        name: found
        for name in dict.fromkeys((first, *CANDIDATES))
        if (found := score(name)) is not None
    }
    clean = [
        (s.letters - 5 * s.bad, -i, n)
        for i, (n, s) in enumerate(scores.items())
        if s.clean and s.letters
    ]
    if clean:
        _, _, best = max(clean)
        return EncodingChoice(
            encoding=best, status="repaired", detail=f"declared {first}, decoded as {best}"
        )
    lossy = vietnamese_score(sample.decode("utf-8", errors="replace"))
    invalid = sample.decode("utf-8", errors="replace").count("\ufffd")
    rest = Score(letters=lossy.letters, bad=lossy.bad - invalid)
    if lossy.letters and rest.clean and invalid <= 3 + lossy.letters // 1000:
        return EncodingChoice(
            encoding="utf-8",
            status="repaired",
            detail=f"declared {first}, UTF-8 with {invalid} invalid bytes dropped",
        )
    text = sample.decode("cp1252", errors="replace")
    vni = " (VNI font encoding suspected)" if len(_VNI_RE.findall(text)) > 20 else ""
    return EncodingChoice(
        encoding=first,
        status="broken",
        detail=f"declared {first}; no charset decodes it to Vietnamese{vni}",
    )
