"""Documents at national scale (issue 9): the decision .docx with an annex of 3,321 units (target < 10 s) and the .xlsx
of every item score of a national campaign, 332,100 rows (target < 15 s).

    python bench/generate.py --scale country             # once: /tmp/dvcq-bench-country.sqlite3
    python bench/documents.py [--database-url URL] [--year 2025]

References measured in the same run: for the .docx, the same decision without its annex (the fixed cost); for the
.xlsx, the raw SELECT of the same item-score rows (what any export must at least read).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from figures import record  # noqa: E402
from generate import bench_config  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from dvcq.app import create_app  # noqa: E402
from dvcq.platform.extensions import db  # noqa: E402
from dvcq.platform.tenancy import SYSTEM, scoped  # noqa: E402
from dvcq.scoring.decisions.document import AnnexGroup, AnnexRow, DecisionDocument, build_docx  # noqa: E402
from dvcq.scoring.models import UnitResult  # noqa: E402
from dvcq.scoring.results import exports  # noqa: E402
from dvcq.tenants.models import Unit  # noqa: E402


def decision(groups: tuple[AnnexGroup, ...]) -> DecisionDocument:
    return DecisionDocument(
        issuer_parent="",
        issuer="BAN CHỈ ĐẠO (ĐO HIỆU NĂNG)",
        issuer_in_text="Ban Chỉ đạo (đo hiệu năng)",
        number="05/QĐ-BCĐ",
        place="Hà Nội",
        date=date(2026, 1, 15),
        summary="Về việc phê duyệt kết quả đánh giá Chỉ số Dân vận chính quyền năm 2025",
        authority_line="TRƯỞNG BAN CHỈ ĐẠO",
        legal_bases=("Căn cứ Luật Tổ chức chính quyền địa phương",),
        articles=("Phê duyệt kết quả đánh giá tại Phụ lục kèm theo.", "Quyết định có hiệu lực kể từ ngày ký."),
        signer_authority="TM. BAN CHỈ ĐẠO",
        signer_title="TRƯỞNG BAN",
        signer_name="Nguyễn Văn A",
        recipients=("Như Điều 3", "Lưu: VT"),
        annex_title="KẾT QUẢ ĐÁNH GIÁ, PHÂN LOẠI CHỈ SỐ DÂN VẬN CHÍNH QUYỀN NĂM 2025",
        annex_groups=groups,
    )


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:////tmp/dvcq-bench-country.sqlite3")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    app = create_app(bench_config(args.database_url, Path("/tmp/dvcq-bench-instance")))
    print(f"{args.database_url.split('@')[-1]}, year {args.year}; load {os.getloadavg()[0]:.2f}")
    with app.app_context(), scoped(SYSTEM):
        authority_id = db.session.execute(select(Unit.id).where(Unit.id == Unit.authority_id)).scalars().first()
        rows = db.session.execute(
            select(UnitResult, Unit.name)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.authority_id == authority_id, UnitResult.year == args.year)
            .order_by(UnitResult.group_name, UnitResult.rank)
        ).all()
        groups: dict[str, list[AnnexRow]] = {}
        for result, name in rows:
            members = groups.setdefault(result.group_name, [])
            members.append(
                AnnexRow(
                    position=len(members) + 1,
                    unit_name=name,
                    self_total=result.self_total,
                    appraised_total=result.appraised_total,
                    level=result.level_name,
                    rank=f"{result.rank:02d}/{result.rank_of:02d}" if result.rank else "",
                )
            )
        annex = tuple(AnnexGroup(title=title, rows=tuple(members)) for title, members in groups.items())
        _, bare = timed(lambda: build_docx(decision(())))
        data, full = timed(lambda: build_docx(decision(annex)))
        verdict = "ok" if full < 10 else "MISS"
        record(
            "documents",
            "docx",
            f"decision .docx, {len(rows):,} units",
            round(full, 2),
            "s",
            target=("<", 10),
            issue="9",
        )
        print(
            f"decision .docx, {len(rows):,} units in {len(annex)} groups: {full:6.2f} s ({len(data) / 1e6:.1f} MB) "
            f"= {full / bare:6.1f}× the decision without annex ({bare * 1000:.0f} ms)  target < 10 s: {verdict}"
        )
        raw_sql = text(
            "SELECT s.assessment_id, s.node_id, s.self_score, s.appraised_score, s.final_score, s.deduction_reasons, "
            "s.appraisal_note, s.final_note FROM item_scores s JOIN assessments a ON a.id = s.assessment_id "
            "JOIN campaigns c ON c.id = a.campaign_id WHERE c.authority_id = :a AND c.year = :y"
        )
        fetched, raw = timed(lambda: db.session.execute(raw_sql, {"a": authority_id, "y": args.year}).all())
        data, xlsx = timed(lambda: exports.items_workbook(authority_id, args.year))
        verdict = "ok" if xlsx < 15 else "MISS"
        record(
            "documents",
            "xlsx",
            f"item scores .xlsx, {len(fetched):,} rows",
            round(xlsx, 2),
            "s",
            target=("<", 15),
            issue="9",
        )
        print(
            f"item scores .xlsx, {len(fetched):,} rows: {xlsx:6.2f} s ({len(data) / 1e6:.1f} MB) "
            f"= {xlsx / raw:6.1f}× the raw SELECT of the rows ({raw * 1000:.0f} ms)  target < 15 s: {verdict}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
