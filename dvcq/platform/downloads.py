"""The Content-Disposition of a file sent back to its users: the name as they know it, in RFC 6266 form.

`filename*` (RFC 5987: UTF-8, every byte outside the unreserved set percent-encoded) carries the whole name —
Vietnamese, quotes, semicolons, `../` and all — as text no browser reads as a path or a header delimiter; `filename`
before it is a short ASCII fallback for the rare client that ignores `filename*`."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FALLBACK_MAX = 100
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9 ._()\-]+")


def _fallback(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = _NOT_PLAIN.sub("_", "".join(ch for ch in plain if not unicodedata.combining(ch))).strip(" ._") or "tep"
    stem, dot, ext = plain.rpartition(".")
    if not dot or len(ext) > 10:
        return plain[:FALLBACK_MAX]
    return stem[: FALLBACK_MAX - len(ext) - 1] + "." + ext


def content_disposition(name: str, *, inline: bool = False) -> str:
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
