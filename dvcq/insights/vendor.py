"""plotly.js served by us, never from a CDN: the partial bundle vendored in static/vendor/ (plotly.js's published
"cartesian" bundle, which holds every trace type the charts use — see static/vendor/README.md), under a URL that
names its version, cached by browsers for a year and gzip-compressed once per process.

The URL changes when the bundle is updated, so `immutable` is safe: a new version is a new URL.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask import Blueprint, abort, make_response, request, url_for

bp = Blueprint("vendor", __name__)

LONG_CACHE = "public, max-age=31536000, immutable"
BUNDLE = "plotly-cartesian.min.js"  # in dvcq/insights/static/vendor/, with its LICENSE and README
KIND = "cartesian"  # which of plotly.js's partial bundles: part of the URL, with the version


@dataclass(frozen=True)
class Asset:
    raw: bytes
    gzipped: bytes
    etag: str


def bundle_bytes() -> bytes:
    return resources.files("dvcq.insights").joinpath("static", "vendor", BUNDLE).read_bytes()


@cache
def plotly_version() -> str:
    """The plotly.js version of the vendored bundle, as its header announces it ("plotly.js (cartesian - minified)
    v4.1.1"); a test checks that it is the version the installed plotly package builds figures for."""
    match = re.search(rb"plotly\.js \([^)]*\) v(\d+\.\d+\.\d+\S*)", bundle_bytes()[:400])
    if match is None:
        raise RuntimeError(f"static/vendor/{BUNDLE} does not announce its version in its header")
    return match.group(1).decode()


_lock = threading.Lock()
_asset: Asset | None = None


def plotly_asset() -> Asset:
    """Read the bundle and compress it, once (about 1.5 MB → 0.5 MB)."""
    global _asset
    if _asset is None:
        with _lock:
            if _asset is None:
                raw = bundle_bytes()
                _asset = Asset(
                    raw=raw,
                    gzipped=gzip.compress(raw, compresslevel=6, mtime=0),
                    etag=hashlib.sha256(raw).hexdigest()[:32],
                )
    return _asset


def plotly_url() -> str:
    """/static-vendor/plotly-cartesian-4.1.1.min.js: another bundle or another version is another URL."""
    return url_for("vendor.plotly_js", version=f"{KIND}-{plotly_version()}")


@bp.route("/static-vendor/plotly-<version>.min.js")
def plotly_js(version: str):
    if version != f"{KIND}-{plotly_version()}":
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
