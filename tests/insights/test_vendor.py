"""plotly.js served by us from the installed plotly package: a versioned URL, cached for a year, gzip when the
browser accepts it, 304 on revalidation; never a CDN."""

from __future__ import annotations

import gzip
from importlib import resources

from plotly.offline import get_plotlyjs_version

URL = f"/static-vendor/plotly-{get_plotlyjs_version()}.min.js"
SHIPPED = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


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
    assert app.test_client().get("/static-vendor/plotly-0.0.1.min.js").status_code == 404


def test_dashboard_loads_this_url(browser, world, history):
    browser.login(world.leadership)
    assert f'<script src="{URL}" defer></script>' in browser.get("/tong-quan/").get_data(as_text=True)
