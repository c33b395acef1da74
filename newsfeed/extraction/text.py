"""Plain-text normalization, credit lines and author names.

Every string that leaves extraction goes through :func:`clean_text`: NFC, one space between
words, no invisible characters. Vietnamese text from these portals arrives in both precomposed
and decomposed forms (old CMS editors paste NFD), with ``&nbsp;`` used as layout, and with
zero-width characters left by word processors, so comparisons are only reliable after this.

Credit lines ("Tin, ảnh: T.T - H.T") are how Vietnamese news pages print their author; they are
recognized here so extraction can move them from the body to the ``author`` field.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "clean_multiline",
    "clean_text",
    "fold",
    "has_text",
    "is_cms_account",
    "normalize_author",
    "parse_credit_line",
    "strip_unsafe",
]

# Characters that render as nothing; removing (not spacing) them keeps words intact, since
# editors insert them inside words (soft hyphen, ZWSP) as well as between them.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0e-\x1f\x7f]"
)
# What no stored text may hold: C0 controls but tab and line breaks, DEL, C1 controls,
# non-characters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF), lone surrogates, and U+FFFD (a decoding
# that lost letters; the encoding guard repairs what it can before). XML 1.0 forbids most of
# them, so one in a feed makes the whole feed unreadable.
_UNSAFE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffd-\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
_PARAGRAPH_BREAK_RE = re.compile(
    r"(?:\r\n|\r|\n|\u2028)[^\S\r\n\u2028\u2029]*(?:\r\n|\r|\n)\s*|\u2029"
)


_DROPPED_RE = re.compile("[" + _INVISIBLE_RE.pattern[1:-1] + _UNSAFE_RE.pattern[1:-1] + "]")
"""Both sets in one character class: one scan of the text instead of two."""
_DROPPED_SPACES = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85")
"""The dropped characters that are also whitespace (``str.split`` would make them a space)."""
_DROPPED_SPACES_RE = re.compile("[" + "".join(_DROPPED_SPACES) + "]")
_SHORT_TEXT = 100
"""Below this length one regex scan for :data:`_DROPPED_SPACES` is the cheaper test (a
generator of seven ``in`` costs more than the scan); above it seven ``in`` (each a C
character search) are faster than re's character class."""


def clean_text(text: str | None) -> str:
    """NFC text on one line: whitespace runs become one space, invisible characters go."""
    if not text:
        return ""
    if text.isprintable() and "\ufffd" not in text:
        # Most text (a title, a link's, a paragraph): its only whitespace is the ASCII space
        # (every other str.isspace character is a control or a separator, not printable), and
        # no character to drop is printable but U+FFFD. Splitting a long paragraph into words
        # to join them again is most of the cleaning: only done when spaces need collapsing.
        if "  " in text or text[0] == " " or text[-1] == " ":
            text = " ".join(text.split())
        return text if text.isascii() else unicodedata.normalize("NFC", text)
    # str.split() splits at exactly the characters re's \s matches (str.isspace)
    joined = " ".join(text.split())
    if not joined:
        # only whitespace: dropping characters from it leaves whitespace (the layout text
        # between tags, most of the texts a body's walk cleans)
        return ""
    # Fast path, the usual text: every character left is printable, so none is one to drop
    # (each is a control, a format character, a surrogate or a non-character, or U+FFFD).
    if (
        not joined.isprintable()
        or "\ufffd" in joined
        or (
            _DROPPED_SPACES_RE.search(text) is not None
            if len(text) < _SHORT_TEXT
            else any(space in text for space in _DROPPED_SPACES)
        )
    ):
        joined = " ".join(_DROPPED_RE.sub("", text).split())
    # NFC neither makes nor takes whitespace apart from spaces, so it may come after
    return joined if joined.isascii() else unicodedata.normalize("NFC", joined)


def has_text(text: str | None) -> bool:
    """``bool(clean_text(text))``, mostly without cleaning: whether a character is left that
    is neither whitespace nor one :func:`clean_text` drops.

    The first character after the whitespace answers for nearly every piece of text: a
    printable one other than U+FFFD is kept (every dropped character is a control, a format
    character, a surrogate, a non-character or U+FFFD). Asked of each text piece of each
    element a sanitized body may drop, on text that is mostly long paragraphs.
    """
    if not text:
        return False
    stripped = text.strip()  # str.strip strips what str.split splits at (str.isspace)
    if not stripped:
        return False
    lead = stripped[0]
    if lead.isprintable() and lead != "\ufffd":
        return True
    return bool(clean_text(stripped))


def strip_unsafe(text: str) -> str:
    """``text`` without control characters, non-characters and U+FFFD (layout kept)."""
    return _UNSAFE_RE.sub("", text)


def clean_multiline(text: str) -> str:
    """Like :func:`clean_text` per paragraph; paragraphs (split at blank lines) joined by
    ``"\\n\\n"``, empty ones dropped. A single newline is layout, not a paragraph break."""
    paragraphs = (clean_text(part) for part in _PARAGRAPH_BREAK_RE.split(text or ""))
    return "\n\n".join(p for p in paragraphs if p)


_LATIN_MARKS_RE = re.compile("[\u0300-\u034e\u0350-\u036f]")
"""The Combining Diacritical Marks block but U+034F (a grapheme joiner, not a combining
mark): every Vietnamese tone and vowel mark after NFD."""


def fold(text: str) -> str:
    """Case- and diacritics-insensitive key: "Quản trị viên" -> "quan tri vien"."""
    decomposed = unicodedata.normalize("NFD", clean_text(text).casefold())
    # đ is a letter of its own, not d plus a mark, so NFD leaves it alone; ð (the Icelandic
    # eth) is a look-alike typed for it in some menus.
    stripped = _LATIN_MARKS_RE.sub("", decomposed).replace("đ", "d").replace("ð", "d")
    if stripped.isascii():  # Vietnamese: done in C, not a Python test of each character
        return stripped
    return "".join(c for c in stripped if not unicodedata.combining(c))


# --- credit lines -----------------------------------------------------------------------------

_CREDIT_WORD = r"(?:tin|bài|ảnh|video|clip|hình|hình ảnh)"
_CREDIT_PREFIX_RE = re.compile(
    rf"^(?:{_CREDIT_WORD}(?:\s*(?:,|/|&|-|–|\+|và)\s*{_CREDIT_WORD})*"
    r"|nguồn|tác giả|thực hiện|tổng hợp|trình bày|nhóm phóng viên|nhóm pv)\s*:\s*(?P<credit>.+)$",
    re.IGNORECASE,
)
_THEO_RE = re.compile(r"^theo\s+(?P<credit>\S.*)$", re.IGNORECASE)
_COMPILED_RE = re.compile(r"^(?P<credit>.+?)\s*\(\s*(?:tổng hợp|t/h|sưu tầm)\s*\)$", re.IGNORECASE)
# End-of-article markers printed after the credit: "/.", "./.", "(*)", "//".
_TRAILER_RE = re.compile(r"(?:\s*(?:\./\.|/\.|//|\(\*\)|[.,;:\-–]))+\s*$")
_SENTENCE_RE = re.compile(r"[.!?…]\s+\S+\s+\S+\s+\S+|[!?;]")
# "Ảnh: Minh họa" is a photo note, not a credit.
_NOT_CREDITS = frozenset({"minh hoa", "internet", "tu lieu", "st", "suu tam", "nguon internet"})
_MAX_LINE = 80
_MAX_THEO_LINE = 60
_MAX_CREDIT_WORDS = 10


def _unwrap(text: str) -> str:
    """Strip end markers and one pair of wrapping parentheses or brackets, repeatedly."""
    previous = None
    while previous != text:
        previous = text
        text = _TRAILER_RE.sub("", text).strip()
        if len(text) >= 2 and (text[0], text[-1]) in {("(", ")"), ("[", "]")}:
            inner = text[1:-1]
            # only a real wrapper: "(Tin: X)" yes, "(A) và (B)" no
            if "(" not in inner and ")" not in inner and "[" not in inner and "]" not in inner:
                text = inner.strip()
    return text


def _credit_ok(credit: str) -> bool:
    if not credit or len(credit.split()) > _MAX_CREDIT_WORDS or _SENTENCE_RE.search(credit):
        return False
    first_letter = next((c for c in credit if c.isalpha()), "")
    # Names and source names are capitalized; a lower-case start is running text.
    if not first_letter or not first_letter.isupper():
        return False
    return fold(credit) not in _NOT_CREDITS


def parse_credit_line(text: str) -> str | None:
    """The credit of a line such as "Tin, ảnh: T.T - H.T", or None when the line is not one.

    Recognizes "Tin/Bài/Ảnh[, ảnh]: X", "Nguồn: X", a short "Theo X" and "X (tổng hợp)". A bare
    name is not recognized: only the platform's author element can tell a name from a line of
    body text.
    """
    line = _unwrap(clean_text(text))
    if not line or len(line) > _MAX_LINE:
        return None
    credit: str | None = None
    if match := _CREDIT_PREFIX_RE.match(line):
        credit = match["credit"]
    elif len(line) < _MAX_THEO_LINE and (match := _THEO_RE.match(line)):
        credit = match["credit"]
        # "Theo kế hoạch, ..." opens a sentence; a source is a short name.
        if "," in credit or ":" in credit:
            return None
    elif match := _COMPILED_RE.match(line):
        credit = match["credit"]
    if credit is None:
        return None
    credit = _unwrap(credit.strip())
    return credit if _credit_ok(credit) else None


# --- authors ----------------------------------------------------------------------------------

_ROLE_QUALIFIER_RE = re.compile(r"^(?:pho|truong|thu ky)\s+")
_CMS_PHRASES = frozenset(
    {
        "admin",
        "administrator",
        "ban bien tap",
        "bbt",
        "bien tap",
        "bien tap vien",
        "btv",
        "editor",
        "guest",
        "nguoi dung",
        "phong vien",
        "quan tri",
        "quan tri he thong",
        "quan tri vien",
        "root",
        "super admin",
        "super user",
        "superadmin",
        "system",
        "test",
        "user",
        "webmaster",
    }
)
_CMS_TOKENS = frozenset({"admin", "administrator", "webmaster", "test", "root", "superadmin"})
_WORD_RE = re.compile(r"[^\W\d_]+")


def is_cms_account(name: str) -> bool:
    """True for a CMS account or generic role shown where an author belongs ("admin admin",
    "Pho Ban bien tap", "Quản trị"), compared without case and diacritics."""
    key = fold(name)
    words = _WORD_RE.findall(key)
    if not words:
        return True
    if any(word in _CMS_TOKENS for word in words):
        return True
    # Placeholder accounts repeat one word as first and last name: "abc abc".
    if len(words) > 1 and len(set(words)) == 1:
        return True
    phrase = _ROLE_QUALIFIER_RE.sub("", " ".join(words))
    return phrase in _CMS_PHRASES or phrase.startswith("ban bien tap ")


def normalize_author(text: str | None) -> str | None:
    """An author as printed, without a credit prefix or end marks; None for a CMS account."""
    name = clean_text(text)
    if not name:
        return None
    name = parse_credit_line(name) or _unwrap(name)
    if not name or is_cms_account(name):
        return None
    return name
