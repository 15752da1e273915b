"""Plotly figures from the dashboard's frames (frames.py). Figures travel as JSON (`figure_json`) and are drawn in the
browser by static/insights.js with the plotly.js we serve: never `include_plotlyjs="cdn"`, never inline script.

Points become floats only here, for drawing; the tables beside each chart keep the exact Decimals.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dvcq.insights.tables import format_value, rank_label
from dvcq.platform.cache import SingleFlightLRU
from dvcq.platform.formatting import points

LEVEL_COLOURS = {1: "#1b7a3d", 2: "#0b5cad", 3: "#d08c00", 4: "#b42318"}  # by level order; others grey
OTHER_LEVEL_COLOUR = "#7a7f87"
SERIES_COLOURS = [
    "#0b5cad",
    "#a3111a",
    "#1b7a3d",
    "#d08c00",
    "#6941c6",
    "#0e7490",
    "#c2410c",
    "#4d7c0f",
    "#be185d",
    "#475467",
]
FONT = "Segoe UI, Roboto, Noto Sans, Arial, sans-serif"


def _layout(title: str, height: int = 420, **extra) -> dict:
    layout = {
        "template": go.layout.Template(),  # no bundled template: keeps each figure's JSON small
        "title": {"text": title, "font": {"size": 15}},
        "separators": ",.",  # decimal comma, thousands dot
        "font": {"family": FONT, "size": 12, "color": "#1d2733"},
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.1, "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": {"gridcolor": "#e5e8ec", "zeroline": False},
        "yaxis": {"gridcolor": "#e5e8ec", "zeroline": False},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _num(value) -> float | None:
    return None if value is None else float(value)


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON, safe inside <script type="application/json"> (no "</script>" can close it early)."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def bump_chart(traj: pd.DataFrame) -> go.Figure:
    """Rank trajectories: one line per unit (a merged unit's predecessors dashed, in the same legend group),
    y = rank with 1 at the top."""
    fig = go.Figure()
    colour_of: dict = {}
    for (series_id, unit_id, label), part in traj.groupby(["series_id", "unit_id", "label"], sort=False):
        colour = colour_of.setdefault(series_id, SERIES_COLOURS[len(colour_of) % len(SERIES_COLOURS)])
        predecessor = part["predecessor_of"].notna().any()
        fig.add_trace(
            go.Scatter(
                x=[int(y) for y in part["year"]],
                y=[int(r) for r in part["rank"]],
                customdata=[
                    [rank_label(r, n), points(s)]
                    for r, n, s in zip(part["rank"], part["rank_of"], part["appraised_total"], strict=True)
                ],
                mode="lines+markers",
                name=label,
                legendgroup=str(series_id),
                line={"color": colour, "width": 2, "dash": "dot" if predecessor else "solid"},
                marker={"size": 9, "symbol": "circle-open" if predecessor else "circle"},
                hovertemplate="%{fullData.name}<br>Năm %{x}: hạng %{customdata[0]} · %{customdata[1]} điểm"
                "<extra></extra>",
                meta={"unit_id": int(unit_id), "series_id": int(series_id)},
            )
        )
    height = max(380, 24 * traj["series_id"].nunique() + 200)
    lowest = int(max(traj["rank"])) if len(traj) else 1
    return fig.update_layout(
        _layout(
            "Thứ hạng qua các năm",
            height=height,
            # reversed: rank 1 at the top
            yaxis={"range": [lowest + 0.5, 0.5], "dtick": 1, "title": {"text": "Thứ hạng"}, "zeroline": False},
            xaxis={"dtick": 1, "tickformat": "d"},
        )
    )


def distribution_chart(dist: pd.DataFrame) -> go.Figure:
    """Appraised totals per year as boxes from the exact statistics of the table (min, quartiles, max, mean)."""
    fig = go.Figure(
        go.Box(
            x=[str(y) for y in dist["year"]],
            lowerfence=[_num(v) for v in dist["min"]],
            q1=[_num(v) for v in dist["q1"]],
            median=[_num(v) for v in dist["median"]],
            q3=[_num(v) for v in dist["q3"]],
            upperfence=[_num(v) for v in dist["max"]],
            mean=[_num(v) for v in dist["mean"]],
            name="Điểm thẩm định",
            marker={"color": "#0b5cad"},
            boxmean=True,
        )
    )
    return fig.update_layout(
        _layout(
            "Phân bố điểm thẩm định theo năm",
            xaxis={"type": "category"},
            yaxis={"title": {"text": "Điểm"}},
            showlegend=False,
        )
    )


def levels_chart(levels: pd.DataFrame, names: list[str]) -> go.Figure:
    years = sorted({int(y) for y in levels["year"]})
    order_of = levels.groupby("level")["order"].min()
    fig = go.Figure()
    for name in names:
        counts = {
            int(y): int(c)
            for y, lv, c in zip(levels["year"], levels["level"], levels["count"], strict=True)
            if lv == name
        }
        fig.add_trace(
            go.Bar(
                x=[str(y) for y in years],
                y=[counts.get(y, 0) for y in years],
                name=name,
                marker={"color": LEVEL_COLOURS.get(int(order_of[name]), OTHER_LEVEL_COLOUR)},
                hovertemplate=f"{name}<br>Năm %{{x}}: %{{y}} đơn vị<extra></extra>",
            )
        )
    return fig.update_layout(
        _layout(
            "Số đơn vị theo mức xếp loại",
            barmode="stack",
            legend={"traceorder": "normal"},
            xaxis={"type": "category"},
            yaxis={"title": {"text": "Số đơn vị"}, "dtick": 1 if levels["count"].sum() < 15 else None},
        )
    )


def self_vs_appraised_chart(pairs: pd.DataFrame, top: pd.DataFrame) -> go.Figure:
    """Self-score (y) against appraised score (x), one colour per year; above the diagonal = over-scoring."""
    fig = go.Figure()
    values = [float(v) for v in [*pairs["self_total"], *pairs["appraised_total"]]]
    low, high = (min(values), max(values)) if values else (0.0, 100.0)
    low, high = max(0.0, low - 2), high + 2
    fig.add_trace(
        go.Scatter(
            x=[low, high],
            y=[low, high],
            mode="lines",
            name="Tự chấm bằng thẩm định",
            line={"color": "#7a7f87", "dash": "dash", "width": 1},
            hoverinfo="skip",
        )
    )
    for index, (year, part) in enumerate(pairs.groupby("year", sort=True)):
        fig.add_trace(
            go.Scatter(
                x=[float(v) for v in part["appraised_total"]],
                y=[float(v) for v in part["self_total"]],
                text=list(part["label"]),
                customdata=[[points(g)] for g in part["gap"]],
                mode="markers",
                name=f"Năm {year}",
                marker={"size": 9, "color": SERIES_COLOURS[index % len(SERIES_COLOURS)], "opacity": 0.8},
                hovertemplate="%{text}<br>Tự chấm %{y:.2f} · thẩm định %{x:.2f}<br>Chênh lệch %{customdata[0]}"
                "<extra></extra>",
                meta={"year": int(year)},
            )
        )
    if len(top):
        fig.add_trace(
            go.Scatter(
                x=[float(v) for v in top["appraised_total"]],
                y=[float(v) for v in top["self_total"]],
                text=[f"{label} ({year})" for label, year in zip(top["label"], top["year"], strict=True)],
                mode="markers",
                name=f"{len(top)} trường hợp tự chấm cao nhất so với thẩm định",
                marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"color": "#b42318", "width": 2}},
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return fig.update_layout(
        _layout(
            "Điểm tự chấm so với điểm thẩm định",
            height=460,
            xaxis={"title": {"text": "Điểm thẩm định"}, "range": [low, high]},
            yaxis={"title": {"text": "Điểm tự chấm"}, "range": [low, high]},
            annotations=[
                {
                    "x": low + (high - low) * 0.05,
                    "y": high - (high - low) * 0.05,
                    "text": "Trên đường chéo: tự chấm cao hơn thẩm định",
                    "showarrow": False,
                    "xanchor": "left",
                    "font": {"color": "#b42318", "size": 11},
                }
            ],
        )
    )


def heatmap_chart(heat: pd.DataFrame, areas, year: int) -> go.Figure:
    """Units × areas: the share (%) of each area's maximum obtained."""
    codes = [a.code for a in areas]
    z = [[_num(row[c]) for c in codes] for _, row in heat.iterrows()]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"LV {c}" for c in codes],
            y=list(heat["label"]),
            text=[[format_value("percent", row[c]) for c in codes] for _, row in heat.iterrows()],
            texttemplate="%{text}",
            customdata=[[a.name for a in areas] for _ in range(len(heat))],
            hovertemplate="%{y}<br>%{customdata}<br>Đạt %{text}<extra></extra>",
            zmin=0,
            zmax=100,
            colorscale="RdYlGn",
            colorbar={"title": {"text": "%"}, "thickness": 12},
            xgap=2,
            ygap=2,
        )
    )
    return fig.update_layout(
        _layout(
            f"Tỷ lệ điểm đạt theo lĩnh vực, năm {year}",
            height=max(320, 26 * len(heat) + 140),
            yaxis={"autorange": "reversed", "automargin": True, "gridcolor": None},
            xaxis={"side": "top", "gridcolor": None},
            margin={"l": 10, "r": 10, "t": 80, "b": 20},
        )
    )


def lost_items_chart(lost: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=[float(v) for v in lost["total_lost"]],
            y=list(lost["code"]),
            orientation="h",
            text=[points(v) for v in lost["total_lost"]],
            textposition="auto",
            customdata=[[n, u] for n, u in zip(lost["name"], lost["lost_units"], strict=True)],
            hovertemplate="%{y}: %{customdata[0]}<br>Mất %{text} điểm · %{customdata[1]} lượt đơn vị<extra></extra>",
            marker={"color": "#a3111a"},
        )
    )
    return fig.update_layout(
        _layout(
            "Tiêu chí bị mất nhiều điểm nhất",
            height=max(320, 26 * len(lost) + 120),
            yaxis={"autorange": "reversed", "type": "category", "title": {"text": "Mã tiêu chí"}},
            xaxis={"title": {"text": "Tổng điểm bị mất"}},
            showlegend=False,
        )
    )


def movements_chart(moves: pd.DataFrame, before_year: int | None, now_year: int | None) -> go.Figure:
    changed = moves[moves["change"].notna()]
    fig = go.Figure(
        go.Bar(
            x=list(changed["label"]),
            y=[int(c) for c in changed["change"]],
            marker={"color": ["#1b7a3d" if c > 0 else "#b42318" if c < 0 else "#7a7f87" for c in changed["change"]]},
            hovertemplate="%{x}<br>Thay đổi %{y:+d} bậc<extra></extra>",
        )
    )
    return fig.update_layout(
        _layout(
            f"Tăng (+), giảm (−) thứ hạng năm {now_year} so với năm {before_year}",
            xaxis={"tickangle": -45, "automargin": True},
            yaxis={"title": {"text": "Số bậc"}, "zeroline": True, "zerolinecolor": "#7a7f87"},
            showlegend=False,
        )
    )


_HISTORY_JSON = SingleFlightLRU(512)


def unit_history_json(history: pd.DataFrame, unit_name: str) -> str:
    """`unit_history_chart` as JSON, kept per process under what it draws (the name and every row and column of the
    history, so a stale entry is never asked for): plotly builds and validates a figure in ~20 ms of CPU, and a unit's
    profile draws the same few rows on every visit until a year is published."""
    key = (unit_name, history.to_csv(index=False))
    return _HISTORY_JSON.get_or_build(key, lambda: figure_json(unit_history_chart(history, unit_name)))


def unit_history_chart(history: pd.DataFrame, unit_name: str) -> go.Figure:
    """A unit's appraised total per year; its predecessors' years as separate dotted lines, marked as such."""
    fig = go.Figure()
    for index, (label, part) in enumerate(history.sort_values("year").groupby("label", sort=False)):
        scored = part[part["appraised_total"].notna()]
        fig.add_trace(
            go.Scatter(
                x=[int(y) for y in scored["year"]],
                y=[float(v) for v in scored["appraised_total"]],
                text=[rank_label(r, n) for r, n in zip(scored["rank"], scored["rank_of"], strict=True)],
                mode="lines+markers+text",
                textposition="top center",
                name=label or unit_name,
                line={"color": SERIES_COLOURS[index % len(SERIES_COLOURS)], "dash": "dot" if label else "solid"},
                hovertemplate="Năm %{x}: %{y:.2f} điểm, hạng %{text}<extra></extra>",
            )
        )
    return fig.update_layout(
        _layout(
            "Điểm thẩm định qua các năm (nhãn: xếp hạng)",
            height=360,
            xaxis={"dtick": 1, "tickformat": "d"},
            yaxis={"title": {"text": "Điểm"}},
        )
    )
