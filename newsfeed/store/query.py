"""The search query language and the Vietnamese matching rules (watches and ``newsfeed search``).

A query is words, ``"exact phrases"``, ``OR``, ``-word`` (NOT), ``prefix*`` and parentheses::

    "khu công nghiệp" OR "cụm công nghiệp" -"tuyển dụng"
    (Nguyễn OR Trần) "Văn Quảng"
    chuyển* số

Words side by side must all be present (AND); ``OR`` (upper case) binds looser than AND; a
``-`` before a word, phrase or group excludes articles that have it; each part of the query
joined by AND needs at least one term that is not excluded.

How text matches, as a reader expects it of Vietnamese:

* case-insensitive and word-bounded: a word is a run of letters and digits, so "ma" never
  matches inside "mai" and a query word "Covid-19" is the phrase "covid 19";
* NFC and NFD text are the same, and so are the two tone-mark placements ("hoà"/"hòa",
  "thuỷ"/"thủy", "quý"/"qúy"): a syllable has one tone, so a word is keyed by its letters
  without the tone (quality marks â ă ê ô ơ ư and đ kept) plus the tone as a digit
  (:func:`word_key`), wherever the editor put the mark;
* diacritics exact by default: "ma" does not match "mã", "má", "mạ"; with ``fold`` every
  mark goes and đ is d, for names typed without accents ("Nguyen Van A");
* a prefix matches words that start with its letters; a tone typed in a prefix must be the
  word's tone, a prefix typed without one matches any tone ("nguy*" finds "nguyễn").

The same keys feed the full-text index (:mod:`newsfeed.store.fulltext`), which only proposes
candidates: :func:`Query.matches` on the article's own text decides, so results are exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from newsfeed.extraction.text import clean_text, fold

__all__ = [
    "Passage",
    "Query",
    "QueryError",
    "Term",
    "parse_query",
    "word_key",
    "words_of",
]

KEY_VERSION = "1"
"""Changes whenever :func:`word_key` or :func:`tokens` change: the index must be rebuilt."""

# The five Vietnamese tones as combining marks (NFD), and the digit each is keyed by.
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
# A word: a letter or digit, then letters, digits and combining marks (NFD leftovers).
_WORD_RE = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")


class QueryError(ValueError):
    """A query that cannot be searched; the message is one line for the user."""


@lru_cache(maxsize=65536)
def word_key(word: str) -> tuple[str, str, str]:
    """(letters, tone, folded) of one word: ``"Hòa"`` and ``"hoà"`` -> ``("hoa", "2", "hoa")``.

    ``letters`` keeps the quality marks (â ă ê ô ơ ư, đ); ``tone`` is "" or the digits of the
    word's tone marks (one in Vietnamese); ``folded`` has no mark at all.
    """
    decomposed = unicodedata.normalize("NFD", word.casefold())
    tone = "".join(_TONES[c] for c in decomposed if c in _TONES)
    toneless = "".join(c for c in decomposed if c not in _TONES)
    letters = unicodedata.normalize("NFC", toneless)
    # a mark NFC cannot compose (not Vietnamese) would split the word in the index
    letters = "".join(c for c in letters if not unicodedata.combining(c))
    return letters, tone, fold(letters)


def prepare(text: str | None) -> str:
    """Text as it is matched and quoted: NFC, one line, no invisible characters."""
    return clean_text(text)


# -- the query tree -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Term:
    """A word, a phrase (several words in a row) or a prefix (the last word's start)."""

    words: tuple[tuple[str, str, str], ...]
    """:func:`word_key` of each word."""
    prefix: bool = False
    text: str = ""
    """As typed, for messages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class And:
    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Or:
    options: tuple[Node, ...]


Node = Term | And | Or
Field = Literal["title", "summary", "body"]
FIELDS: tuple[Field, ...] = ("title", "summary", "body")


@dataclass(frozen=True, slots=True, kw_only=True)
class Passage:
    """The matching passage of an article: text around the first match, matches marked."""

    field: Field
    parts: tuple[tuple[str, bool], ...]
    """(text, is a match) in order; leading/trailing "…" are part of the text."""

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)

    def marked(self, before: str = "«", after: str = "»") -> str:
        return "".join(f"{before}{t}{after}" if hit else t for t, hit in self.parts)


Word = tuple[str, str, str]
"""(letters, tone, folded): :func:`word_key`."""


def words_of(text: str) -> list[Word]:
    """The keys of the words of ``text`` (already :func:`prepare`-d), in order."""
    # a word starts with a letter or digit, so its letters are never empty
    return list(map(word_key, _WORD_RE.findall(text)))


class _Doc:
    """One article's fields as word keys; the word offsets are found only for a passage."""

    __slots__ = ("folded", "sets", "texts", "words")

    def __init__(self, title: str | None, summary: str | None, body: str | None) -> None:
        self.texts: dict[Field, str] = {
            "title": prepare(title),
            "summary": prepare(summary),
            "body": prepare(body),
        }
        self.words: dict[Field, list[Word]] = {f: words_of(self.texts[f]) for f in FIELDS}
        self.sets: dict[tuple[Field, bool], set[Any]] = {}
        self.folded: dict[Field, list[str]] = {}

    def sequence(self, field: Field, fold: bool) -> list[Any]:
        """The field's words as compared in this mode: whole keys, or folded strings."""
        if not fold:
            return self.words[field]
        got = self.folded.get(field)
        if got is None:
            got = self.folded[field] = [w[2] for w in self.words[field]]
        return got

    def keys(self, field: Field, fold: bool) -> set[Any]:
        """The field's words as a set, for a quick "is this word there at all"."""
        got = self.sets.get((field, fold))
        if got is None:
            words = self.words[field]
            got = self.sets[field, fold] = {w[2] for w in words} if fold else set(words)
        return got


@dataclass(frozen=True, slots=True, kw_only=True)
class Query:
    """A parsed query; ``fold`` matches without diacritics."""

    text: str
    root: Node
    fold: bool = False

    # -- matching ----------------------------------------------------------------------

    def matches(self, title: str | None, summary: str | None, body: str | None) -> bool:
        return self.match(title, summary, body) is not None

    def match(
        self, title: str | None, summary: str | None, body: str | None
    ) -> tuple[bool, Passage] | None:
        """None, or (the title alone matches, the passage to show) for a matching article."""
        doc = _Doc(title, summary, body)
        if not self._eval(self.root, doc, FIELDS):
            return None
        in_title = self._eval(self.root, doc, ("title",))
        return in_title, self._passage(doc)

    def _eval(self, node: Node, doc: _Doc, fields: Sequence[Field]) -> bool:
        if isinstance(node, Term):
            return any(self._hits(node, doc, f, first=True) for f in fields)
        if isinstance(node, Or):
            return any(self._eval(n, doc, fields) for n in node.options)
        return all(self._eval(n, doc, fields) for n in node.include) and not any(
            self._eval(n, doc, fields) for n in node.exclude
        )

    def _hits(
        self, term: Term, doc: _Doc, field: Field, *, first: bool = False
    ) -> list[tuple[int, int]]:
        """(first word, past the last word) of ``term``'s occurrences in one field."""
        n = len(term.words)
        last = n - 1
        keys = doc.keys(field, self.fold)
        for i, word in enumerate(term.words):  # a whole word that is absent: no scan
            if not (term.prefix and i == last) and (word[2] if self.fold else word) not in keys:
                return []
        words = doc.words[field]
        wanted = [(w, term.prefix and i == last) for i, w in enumerate(term.words)]
        found: list[tuple[int, int]] = []
        starts: Iterable[int]
        if wanted[0][1]:
            starts = range(len(words) - n + 1)
        else:  # jump from one occurrence of the first word to the next (list.index, in C)
            starts = _occurrences(doc.sequence(field, self.fold), term.words[0], self.fold)
        for i in starts:
            if i + n <= len(words) and all(
                self._accepts(*wanted[j], words[i + j]) for j in range(n)
            ):
                found.append((i, i + n))
                if first:
                    break
        return found

    def _accepts(self, word: Word, prefix: bool, token: Word) -> bool:
        """Does the text's word ``token`` match the query's ``word`` (a prefix if ``prefix``)?"""
        if self.fold:
            return token[2].startswith(word[2]) if prefix else token[2] == word[2]
        if prefix:
            # the tone belongs to the whole syllable: one typed in a prefix must be the word's
            return token[0].startswith(word[0]) and (not word[1] or token[1] == word[1])
        return token[0] == word[0] and token[1] == word[1]

    # -- passages ----------------------------------------------------------------------

    def positive_terms(self) -> list[Term]:
        found: list[Term] = []

        def walk(node: Node) -> None:
            if isinstance(node, Term):
                found.append(node)
            elif isinstance(node, Or):
                for n in node.options:
                    walk(n)
            else:
                for n in node.include:
                    walk(n)

        walk(self.root)
        return found

    def _passage(self, doc: _Doc, width: int = 240) -> Passage:
        """Around the first match in the lead or body (else the title), every match marked."""
        terms = self.positive_terms()
        order: tuple[Field, ...] = ("summary", "body", "title")
        for field in order:
            ranges = sorted({r for t in terms for r in self._hits(t, doc, field)})
            if not ranges:
                continue
            text = doc.texts[field]
            offsets: list[tuple[int, int]] = []
            needed = max(b for _, b in ranges)
            for m in _WORD_RE.finditer(text):  # the words up to the last match only
                offsets.append(m.span())
                if len(offsets) >= needed:
                    break
            spans = [(offsets[a][0], offsets[b - 1][1]) for a, b in ranges]
            return _cut(field, text, _joined(text, spans), width)
        return Passage(field="title", parts=((doc.texts["title"], False),))


def _occurrences(sequence: list[Any], word: Word, fold: bool) -> Iterator[int]:
    """The indexes of ``word`` in ``sequence`` (whole keys, or folded strings)."""
    target: Any = word[2] if fold else word
    at = 0
    while True:
        try:
            at = sequence.index(target, at)
        except ValueError:
            return
        yield at
        at += 1


def _joined(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans, and spans with only spaces between them, as one ("Nguyễn Văn A")."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and (start <= out[-1][1] or not text[out[-1][1] : start].strip()):
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _cut(field: Field, text: str, spans: Sequence[tuple[int, int]], width: int) -> Passage:
    """``width`` characters of ``text`` around the first span, cut at spaces, spans marked."""
    first_start, first_end = spans[0]
    room = max(0, width - (first_end - first_start))
    start = max(0, first_start - room // 3)
    end = min(len(text), first_end + room - (first_start - start))
    if start > 0:
        space = text.find(" ", start, first_start)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first_end, end)
        end = space if space != -1 else end
    parts: list[tuple[str, bool]] = []
    at = start
    if start > 0:
        parts.append(("…", False))
    for s, e in spans:
        if s < at or e > end:
            continue
        if s > at:
            parts.append((text[at:s], False))
        parts.append((text[s:e], True))
        at = e
    if at < end:
        parts.append((text[at:end], False))
    if end < len(text):
        parts.append(("…", False))
    merged: list[tuple[str, bool]] = []
    for chunk, hit in parts:
        if merged and merged[-1][1] == hit and not hit:
            merged[-1] = (merged[-1][0] + chunk, False)
        else:
            merged.append((chunk, hit))
    return Passage(field=field, parts=tuple(merged))


# -- parsing --------------------------------------------------------------------------------

_LEX_RE = re.compile(r'\s+|"[^"]*"\*?|"|\(|\)|[^\s"()]+')


def parse_query(text: str, *, fold: bool = False) -> Query:
    """Parse ``text``; :class:`QueryError` with a one-line reason when it cannot be searched."""
    source = unicodedata.normalize("NFC", text or "").strip()
    if not source:
        raise QueryError("empty query: give at least one word")
    parser = _Parser(_lex(source))
    root = parser.expression()
    if parser.peek() is not None:
        raise QueryError(f"unexpected {parser.peek()!r} in the query (unbalanced parenthesis?)")
    return Query(text=source, root=root, fold=fold)


def _lex(source: str) -> list[str]:
    out: list[str] = []
    for match in _LEX_RE.finditer(source):
        piece = match.group()
        if piece.isspace():
            continue
        if piece == '"':
            raise QueryError('unbalanced quote: close the phrase with another "')
        out.append(piece)
    return out


class _Parser:
    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces
        self.at = 0

    def peek(self) -> str | None:
        return self.pieces[self.at] if self.at < len(self.pieces) else None

    def take(self) -> str:
        piece = self.pieces[self.at]
        self.at += 1
        return piece

    def expression(self) -> Node:
        options = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in {None, ")", "OR"}:
                raise QueryError("OR needs a word on each side")
            options.append(self.conjunction())
        return options[0] if len(options) == 1 else Or(options=tuple(options))

    def conjunction(self) -> Node:
        include: list[Node] = []
        exclude: list[Node] = []
        while (piece := self.peek()) is not None and piece not in {"OR", ")"}:
            negated = False
            if piece.startswith("-"):
                negated = True
                rest = self.take()[1:]
                if not rest:
                    if self.peek() in {None, ")", "OR"}:
                        raise QueryError("'-' must be followed by the word to exclude")
                    rest = self.take()
                    if rest.startswith("-"):
                        raise QueryError(f"'--' before {rest[1:]!r}: exclude a word once")
                node = self.unit(rest)
            else:
                node = self.unit(self.take())
            if node is None:
                continue
            (exclude if negated else include).append(node)
        if not include:
            if exclude:
                raise QueryError(
                    "a query (or each side of OR) needs a word to look for, not only -excluded ones"
                )
            if self.peek() == "OR":
                raise QueryError("OR needs a word on each side")
            raise QueryError("empty query: give at least one word")
        if len(include) == 1 and not exclude:
            return include[0]
        return And(include=tuple(include), exclude=tuple(exclude))

    def unit(self, piece: str) -> Node | None:
        if piece == "(":
            inner = self.expression()
            if self.peek() != ")":
                raise QueryError("unbalanced parenthesis: a '(' is not closed")
            self.take()
            return inner
        if piece == ")":
            raise QueryError("unbalanced parenthesis: a ')' has no '('")
        if piece.startswith('"'):
            if piece.endswith("*"):
                raise QueryError(f"{piece}: a phrase cannot be a prefix; put * after a word")
            quoted = piece[1:-1]
            if "*" in quoted:
                raise QueryError(f"{piece}: '*' cannot be used inside a quoted phrase")
            words = _words(quoted)
            if not words:
                raise QueryError(f"{piece}: the phrase has no word in it")
            return Term(words=words, text=piece)
        prefix = piece.endswith("*")
        body = piece[:-1] if prefix else piece
        if "*" in body:
            raise QueryError(f"{piece!r}: '*' may only end a word (prefix*)")
        if body == "OR":
            raise QueryError("OR needs a word on each side")
        words = _words(body)
        if not words:
            if prefix:
                raise QueryError(f"{piece!r}: '*' needs the start of a word before it")
            return None  # punctuation alone ("–", "&") is no word, as in the text
        return Term(words=words, prefix=prefix, text=piece)


def _words(text: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(word_key(m.group()) for m in _WORD_RE.finditer(text) if word_key(m.group())[0])


def fts_terms(term: Term, *, fold: bool) -> Iterable[tuple[str, bool]]:
    """(index key, is a prefix) of each word of ``term``, for the full-text index's query."""
    for i, (letters, tone, folded) in enumerate(term.words):
        last = term.prefix and i == len(term.words) - 1
        if fold:
            yield folded, last
        elif last:
            yield letters, True  # tone checked by the matcher: the index keys end with it
        else:
            yield letters + tone, False
