"""plotly.js served by us from the vendored partial bundle (dvcq/insights/static/vendor/): a versioned URL, cached for
a year, gzip when the browser accepts it, 304 on revalidation; never a CDN. The bundle is the one its README names
(version, SHA-256, licence beside it), built for the plotly.js version the installed plotly package targets, and
it registers every trace type the charts draw."""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from dvcq.insights import charts
from tests.insights.helpers import figure_ids

VENDOR = Path(resources.files("dvcq.insights").joinpath("static", "vendor"))
SHIPPED = (VENDOR / "plotly-cartesian.min.js").read_bytes()
README = (VENDOR / "README.md").read_text(encoding="utf-8")
URL = f"/static-vendor/plotly-cartesian-{get_plotlyjs_version()}.min.js"


def bundle_trace_types() -> set[str]:
    """The trace modules the bundle registers: each is an object `{moduleType:"trace",name:"bar",…}` in the
    minified source (the full plotly.min.js has the same shape, 47 of them)."""
    return set(re.findall(r'moduleType:"trace",name:"([a-z0-9]+)"', SHIPPED.decode("utf-8")))


def test_the_bundle_is_the_one_its_readme_names_with_its_licence():
    version = re.search(r"^- version: (\S+)", README, re.M).group(1)
    sha256 = re.search(r"^- sha256: ([0-9a-f]{64})$", README, re.M).group(1)
    assert hashlib.sha256(SHIPPED).hexdigest() == sha256
    assert f"plotly.js (cartesian - minified) v{version}\n" in SHIPPED[:200].decode()
    licence = (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Plotly" in licence


def test_the_bundle_is_the_plotly_js_version_the_figures_are_built_for():
    """The installed plotly package writes figures for its own plotly.js; after an upgrade of plotly, update the
    bundle with scripts/update_plotly_bundle.sh (static/vendor/README.md)."""
    assert f"v{get_plotlyjs_version()}\n" in SHIPPED[:200].decode()


def test_every_trace_class_the_charts_module_builds_is_in_the_bundle():
    """Every go.<Trace>(…) written in charts.py, whether or not the test data reaches it."""
    tree = ast.parse(Path(charts.__file__).read_text(encoding="utf-8"))
    used = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "go"
    }
    types = {getattr(go, name)().type for name in used if issubclass(getattr(go, name), BaseTraceType)}
    assert types == {"scatter", "box", "bar", "heatmap"}  # as of this writing; a new type must be in the bundle
    assert types <= bundle_trace_types()


def _trace_types(page: str) -> set[str]:
    found = set()
    for figure_id in figure_ids(page):
        block = re.search(rf'<script type="application/json" id="{figure_id}">(.*?)</script>', page, re.S).group(1)
        found |= {trace.get("type", "scatter") for trace in json.loads(block)["data"]}
    return found


def test_every_chart_the_dashboard_and_profiles_draw_uses_a_trace_type_of_the_bundle(browser, world, history):
    browser.login(world.leadership)
    drawn: set[str] = set()
    for query in ("", "?khoi=tat-ca", "?khoi=tat-ca&gop=1", "?gop=1"):
        page = browser.get("/tong-quan/" + query)
        assert page.status_code == 200
        drawn |= _trace_types(page.get_data(as_text=True))
    for unit_id in (world.a_id, history.m_id):
        page = browser.get(f"/tong-quan/don-vi/{unit_id}")
        assert page.status_code == 200
        drawn |= _trace_types(page.get_data(as_text=True))
    assert {"scatter", "box", "bar", "heatmap"} <= drawn
    assert drawn <= bundle_trace_types(), drawn - bundle_trace_types()


def test_plotly_is_served_gzipped_with_long_caching(app):
    response = app.test_client().get(URL, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    assert response.mimetype == "text/javascript"
    assert gzip.decompress(response.data) == SHIPPED
    assert len(response.data) < len(SHIPPED) / 2


def test_plotly_is_served_plain_to_a_client_without_gzip(app):
    response = app.test_client().get(URL, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.data == SHIPPED


def test_revalidation_answers_304(app):
    client = app.test_client()
    etag = client.get(URL, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    again = client.get(URL, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_another_version_is_not_found(app):
    client = app.test_client()
    assert client.get("/static-vendor/plotly-cartesian-0.0.1.min.js").status_code == 404
    assert client.get(f"/static-vendor/plotly-{get_plotlyjs_version()}.min.js").status_code == 404  # the full one


def test_dashboard_loads_this_url(browser, world, history):
    browser.login(world.leadership)
    assert f'<script src="{URL}" defer></script>' in browser.get("/tong-quan/").get_data(as_text=True)
