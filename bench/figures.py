"""Figures a benchmark measured, for bench/run_all.sh's report: each script prints its figures as before and, when
DVCQ_BENCH_FIGURES names a file, also appends one JSON line per figure there (bench/report.py reads them).

    figures.record("pages_load", "pages.home.p95", "home page p95 (50 users)", 11.2, "ms", target=("<=", 200))

`target` is (operator, threshold) in the figure's unit; met is worked out here. A figure without a target is shown
for information (a reference, or a target the issue retired).
"""

from __future__ import annotations

import json
import operator
import os
from pathlib import Path

OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


def record(
    bench: str,
    key: str,
    label: str,
    value: float | int | None,
    unit: str = "",
    *,
    target: tuple[str, float] | None = None,
    issue: str = "",
    note: str = "",
) -> bool | None:
    """Append one figure; returns met (True/False), or None when there is no target or no value."""
    met = None
    if target is not None and value is not None:
        met = bool(OPERATORS[target[0]](value, target[1]))
    path = os.environ.get("DVCQ_BENCH_FIGURES")
    if path:
        line = {
            "bench": bench,
            "key": key,
            "label": label,
            "value": value,
            "unit": unit,
            "target": list(target) if target else None,
            "met": met,
            "issue": issue,
            "note": note,
        }
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return met


def verdict(met: bool | None) -> str:
    return {True: "ok", False: "MISS", None: ""}[met]
