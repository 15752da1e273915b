"""Vietnamese alphabetical order: the one collation key for every list of names the platform shows or prints.

The order is the dictionary's (Từ điển tiếng Việt, Hoàng Phê): word by word, each word first by its letters in the
Vietnamese alphabet — a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y (f, j, w, z of foreign names in
their Latin places) — then by its tone: unmarked < huyền < hỏi < ngã < sắc < nặng. So "Ba Dinh" < "Ba Điền" <
"Ba Động", "Ba Tô" < "Ba Tơ" < "Ba Trang", "Ba Vì" < "Ba Vinh", and "ma" < "mà" < "mả" < "mã" < "má" < "mạ" < "mác".
Case does not count; numbers count by value ("Tổ 2" < "Tổ 10") and come before words; punctuation only separates
words. Prefixes are part of the name ("Thị trấn Ba Tơ" sorts under T, before every "Xã …"). Names equal under all of
this (they differ only in case, punctuation or a leading zero) are ordered by their NFC text, so the order is total
and the same for NFC and NFD spellings of one name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# The marks that make a letter of its own (ă â ê ô ơ ư) and the five tone marks, in the dictionary's tone order.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn
_TONE = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng
_NUMBER, _WORD = 0, 1

Token = tuple[int, tuple[int, ...], tuple[int, ...]]


def _letter_rank(base: str, marks: str) -> int:
    letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
    rank = _RANK.get(letter, _RANK.get(base))
    return rank if rank is not None else len(_ALPHABET) + ord(base)  # other scripts after the alphabet


def _tokens(text: str) -> list[Token]:
    """(kind, letters or number, tones) per word or number of `text`; everything else separates them."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())  # canonical caseless
    tokens: list[Token] = []
    i, n = 0, len(decomposed)
    while i < n:
        char = decomposed[i]
        if char.isdecimal():
            j = i
            while j < n and decomposed[j].isdecimal():
                j += 1
            tokens.append((_NUMBER, (int(decomposed[i:j]),), ()))
            i = j
        elif char.isalpha():
            letters: list[int] = []
            tones: list[int] = []
            while i < n and decomposed[i].isalpha():
                base, i = decomposed[i], i + 1
                start = i
                while i < n and unicodedata.combining(decomposed[i]):
                    i += 1
                marks = decomposed[start:i]
                letters.append(_letter_rank(base, marks))
                tones.extend(_TONE[m] for m in marks if m in _TONE)
            tokens.append((_WORD, tuple(letters), tuple(tones)))
        else:
            i += 1
    return tokens


def vn_key(text: str | None) -> tuple[tuple[Token, ...], str]:
    """The sort key of a name in Vietnamese alphabetical order (see the module's docstring). None sorts as ""."""
    text = text or ""
    return tuple(_tokens(text)), unicodedata.normalize("NFC", text)


def vn_sorted(items: Iterable[T], name: Callable[[T], str | None] = lambda item: item, *, reverse=False) -> list[T]:
    """`items` in Vietnamese alphabetical order of `name(item)` (the item itself by default)."""
    return sorted(items, key=lambda item: vn_key(name(item)), reverse=reverse)


def vn_positions(names: Iterable[str | None]) -> dict[str | None, int]:
    """Each distinct name's place in Vietnamese alphabetical order, 0 first: a plain integer column to sort a table
    (pandas' `sort_values`) or a database row by, next to numbers."""
    return {name: place for place, name in enumerate(sorted(set(names), key=vn_key))}
