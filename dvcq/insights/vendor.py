"""plotly.js served by us, never from a CDN: the file that the installed plotly package ships, under a URL that
names its version, cached by browsers for a year and gzip-compressed once per process.

The URL changes when plotly is upgraded, so `immutable` is safe: a new version is a new URL.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask import Blueprint, abort, make_response, request, url_for

bp = Blueprint("vendor", __name__)

LONG_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    raw: bytes
    gzipped: bytes
    etag: str


@cache
def plotly_version() -> str:
    """The version of plotly.js that the installed plotly package ships (not the Python package's version)."""
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


_lock = threading.Lock()
_asset: Asset | None = None


def plotly_asset() -> Asset:
    """Read plotly.min.js from the installed package and compress it, once (about 4.8 MB → 1.5 MB)."""
    global _asset
    if _asset is None:
        with _lock:
            if _asset is None:
                raw = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
                _asset = Asset(
                    raw=raw,
                    gzipped=gzip.compress(raw, compresslevel=6, mtime=0),
                    etag=hashlib.sha256(raw).hexdigest()[:32],
                )
    return _asset


def plotly_url() -> str:
    return url_for("vendor.plotly_js", version=plotly_version())


@bp.route("/static-vendor/plotly-<version>.min.js")
def plotly_js(version: str):
    if version != plotly_version():
        abort(404)
    asset = plotly_asset()
    gzip_ok = "gzip" in request.accept_encodings
    etag = asset.etag + ("-gz" if gzip_ok else "")  # each encoding is its own representation
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(asset.gzipped if gzip_ok else asset.raw)
        response.mimetype = "text/javascript"
        if gzip_ok:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = LONG_CACHE
    response.headers["Vary"] = "Accept-Encoding"
    return response
