"""Page weight (issue 9): the self-assessment page of 100 items on first load, all included — the HTML and every
stylesheet, script and image it references — raw and gzipped (target ≤ 250 KB transferred).

    python bench/generate.py --scale province
    python bench/page_weight.py [--database-url URL]

In process (Flask's test client, the same responses gunicorn would send). gzip level 1 is nginx's default
`gzip_comp_level`; the reference line is the same HTML at level 6. Which parts the deployment compresses follows
deploy/nginx.conf.example (printed per resource).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record  # noqa: E402
from generate import BENCH_PASSWORD, bench_config  # noqa: E402
from pages_load import ids  # noqa: E402

from dvcq.app import create_app  # noqa: E402

NGINX_GZIP_LOCATIONS = ("/",)  # deploy/nginx.conf.example: gzip is on for the whole server
# its gzip_types, plus text/html, which nginx always compresses when gzip is on
NGINX_GZIP_TYPES = (
    "text/html",
    "text/css",
    "application/javascript",
    "text/javascript",
    "application/json",
    "image/svg+xml",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:////tmp/dvcq-bench-province.sqlite3")
    args = parser.parse_args()
    found = ids(args.database_url)
    login, assessment_id = found["officers"][0]
    app = create_app(bench_config(args.database_url, Path("/tmp/dvcq-bench-instance")))
    client = app.test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/dang-nhap", data={"login": login, "password": BENCH_PASSWORD, "csrf_token": token})
    html = client.get(f"/tu-danh-gia/{assessment_id}")
    assert html.status_code == 200, html.status_code
    body = html.data
    items = len(set(re.findall(r"Tiêu chí \d+\.\d+".encode(), body)))
    html_gzipped = html.mimetype in NGINX_GZIP_TYPES and len(body) >= 1024
    resources = [("HTML " + f"/tu-danh-gia/{assessment_id}", html.content_type, body, html_gzipped)]
    refs = re.findall(rb'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"', body)
    for ref in dict.fromkeys(r.decode() for r in refs):
        if ref.startswith(("http:", "https:", "data:")) or ref.startswith("#"):
            continue
        response = client.get(ref)
        if response.status_code != 200:
            continue
        typ = response.content_type.split(";")[0]
        nginx = ref.startswith(NGINX_GZIP_LOCATIONS) and typ in NGINX_GZIP_TYPES and len(response.data) >= 1024
        resources.append((ref, typ, response.data, nginx))
    raw_total = gz_total = served_total = 0
    print(f"self-assessment page, ~{items} items, {args.database_url}; load {os.getloadavg()[0]:.2f}")
    print(f"{'resource':<60} {'raw':>9} {'gzip -1':>9}  served by deploy/nginx")
    for name, _typ, data, nginx in resources:
        gz = len(gzip.compress(data, 1))
        served = gz if nginx else len(data)
        raw_total, gz_total, served_total = raw_total + len(data), gz_total + gz, served_total + served
        print(f"{name[:60]:<60} {len(data) / 1024:8.1f}K {gz / 1024:8.1f}K  {'gzip' if nginx else 'raw'}")
    print(
        f"{'TOTAL':<60} {raw_total / 1024:8.1f}K {gz_total / 1024:8.1f}K  {served_total / 1024:.1f}K as deployed"
        f"   target ≤ 250 KB: raw {'ok' if raw_total <= 250 * 1024 else 'MISS'}, "
        f"all gzipped {'ok' if gz_total <= 250 * 1024 else 'MISS'}, as deployed "
        f"{'ok' if served_total <= 250 * 1024 else 'MISS'}"
    )
    print(f"reference: the HTML at gzip -6 {len(gzip.compress(body, 6)) / 1024:.1f}K")
    what = f"self-assessment page (~{items} items), first load, all included"
    record(
        "page_weight",
        "deployed",
        f"{what}, as deployed",
        round(served_total / 1024, 1),
        "KB",
        target=("<=", 250),
        issue="9",
    )
    record("page_weight", "raw", f"{what}, raw", round(raw_total / 1024, 1), "KB", issue="9")


if __name__ == "__main__":
    main()
