"""The dashboard's tables: the same numbers as its charts, for reading, printing and screen readers."""

from __future__ import annotations

import pandas as pd

from dvcq.insights.frames import LOST_ITEMS_TOP, Area, level_order
from dvcq.insights.tables import INT, PERCENT, POINTS, Column, Table, rank_label, signed


def trajectories_table(traj: pd.DataFrame) -> Table:
    years = sorted({int(y) for y in traj["year"]})
    table = Table(
        "Thứ hạng qua các năm",
        "Thứ hạng qua các năm",
        [Column("Đơn vị", wide=True), Column("Khối"), *[Column(f"Năm {y}") for y in years]],
    )
    for (_, label), part in traj.groupby(["series_id", "label"], sort=False):
        by_year = {int(r["year"]): rank_label(r["rank"], r["rank_of"]) for _, r in part.iterrows()}
        table.rows.append([label, part["group_name"].iloc[-1], *[by_year.get(y, "") for y in years]])
        table.units.append(int(part["unit_id"].iloc[0]))
    return table


def distribution_table(dist: pd.DataFrame) -> Table:
    table = Table(
        "Phân bố điểm",
        "Phân bố điểm thẩm định theo năm",
        [
            Column("Năm"),
            Column("Số đơn vị", INT),
            Column("Thấp nhất", POINTS),
            Column("Tứ phân vị 1", POINTS),
            Column("Trung vị", POINTS),
            Column("Tứ phân vị 3", POINTS),
            Column("Cao nhất", POINTS),
            Column("Bình quân", POINTS),
        ],
    )
    for _, r in dist.iterrows():
        table.rows.append([str(r["year"]), r["count"], r["min"], r["q1"], r["median"], r["q3"], r["max"], r["mean"]])
    return table


def levels_table(levels: pd.DataFrame) -> Table:
    names = level_order(levels)
    table = Table(
        "Phân bố xếp loại",
        "Số đơn vị theo mức xếp loại",
        [Column("Năm"), *[Column(n, INT) for n in names], Column("Tổng", INT)],
    )
    for year, part in levels.groupby("year", sort=True):
        counts = dict(zip(part["level"], part["count"], strict=True))
        values = [int(counts.get(n, 0)) for n in names]
        table.rows.append([str(year), *values, sum(values)])
    return table


def self_vs_appraised_table(pairs: pd.DataFrame) -> Table:
    table = Table(
        "Tự chấm và thẩm định",
        "Điểm tự chấm và điểm thẩm định",
        [
            Column("Đơn vị", wide=True),
            Column("Khối"),
            Column("Năm"),
            Column("Điểm tự chấm", POINTS),
            Column("Điểm thẩm định", POINTS),
            Column("Chênh lệch", POINTS),
        ],
    )
    for _, r in pairs.iterrows():
        table.rows.append(
            [r["label"], r["group_name"], str(r["year"]), r["self_total"], r["appraised_total"], r["gap"]]
        )
        table.units.append(int(r["unit_id"]))
    return table


def heatmap_tables(heat: pd.DataFrame, areas: list[Area], year: int) -> list[Table]:
    shares = Table(
        "Lĩnh vực (bản đồ nhiệt)",
        f"Tỷ lệ điểm đạt được theo lĩnh vực, năm {year} (%)",
        [Column("Đơn vị", wide=True), Column("Khối"), *[Column(f"Lĩnh vực {a.code} (%)", PERCENT) for a in areas]],
    )
    for _, r in heat.iterrows():
        shares.rows.append([r["label"], r["group_name"], *[r[a.code] for a in areas]])
        shares.units.append(int(r["unit_id"]))
    legend = Table(
        "Các lĩnh vực",
        "Các lĩnh vực và điểm tối đa",
        [Column("Lĩnh vực"), Column("Tên lĩnh vực", wide=True), Column("Điểm tối đa", POINTS)],
        [[a.code, a.name, a.max_points] for a in areas],
    )
    return [shares, legend]


def lost_items_table(lost: pd.DataFrame) -> Table:
    table = Table(
        "Tiêu chí mất điểm",
        f"{LOST_ITEMS_TOP} tiêu chí bị mất nhiều điểm nhất",
        [
            Column("Mã"),
            Column("Tiêu chí", wide=True),
            Column("Điểm tối đa", POINTS),
            Column("Số lượt đơn vị bị trừ", INT),
            Column("Tổng điểm bị mất", POINTS),
            Column("Lý do thường gặp", wide=True),
        ],
    )
    for _, r in lost.iterrows():
        reasons = "; ".join(f"{label} ({n} lượt)" for label, n in r["reasons"])
        table.rows.append([r["code"], r["name"], r["max_points"], r["lost_units"], r["total_lost"], reasons])
    return table


def movements_table(moves: pd.DataFrame, before_year: int | None, now_year: int | None) -> Table:
    before = f"năm {before_year}" if before_year else "năm trước"
    table = Table(
        "Tăng giảm thứ hạng",
        f"Tăng, giảm thứ hạng năm {now_year} so với {before}",
        [
            Column("Đơn vị", wide=True),
            Column("Khối"),
            Column(f"Hạng {before}"),
            Column(f"Hạng năm {now_year}"),
            Column("Thay đổi (bậc)"),
            Column(f"Điểm {before}", POINTS),
            Column(f"Điểm năm {now_year}", POINTS),
            Column("Chênh lệch điểm", POINTS),
            Column(f"Xếp loại {before}", wide=True),
            Column(f"Xếp loại năm {now_year}", wide=True),
        ],
    )
    for _, r in moves.iterrows():
        table.units.append(int(r["unit_id"]))
        table.rows.append(
            [
                r["label"],
                r["group_name"],
                rank_label(r["rank_before"], r["rank_of_before"]) or "không có",
                rank_label(r["rank_now"], r["rank_of_now"]),
                signed(r["change"]) if r["change"] is not None else "mới",
                r["score_before"],
                r["score_now"],
                r["score_change"],
                r["level_before"],
                r["level_now"],
            ]
        )
    return table
