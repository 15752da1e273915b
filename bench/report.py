"""bench/run_all.sh's report: every figure the benchmarks recorded (bench/figures.py) next to its target, met or
missed, with the machine, the load average before and after, and each benchmark's run time and exit status.

    python bench/report.py --work DIR --mode quick --load-before "…" --load-after "…" --out bench/results/<date>.md

DIR holds figures.jsonl, runs.tsv (name, exit status, seconds per line) and logs/<name>.log.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = [
    ("deadline_day", "Deadline day on the production stack", "19.1"),
    ("deadline_day_human", "Deadline day at a person's pace (the same, --think 5,15 at full size)", "19.1"),
    ("country_scale", "A whole country in one deployment", "19.2"),
    ("slow_lines", "Slow lines (Chromium, 1,6 Mbit/s down, 750 kbit/s up, 150 ms RTT)", "19.3"),
    ("concurrent_uploads", "Many uploads at once through nginx", "19.4"),
    ("results_engine", "Results engine (bench/results_engine.py)", "9"),
    ("pages_load", "Pages under load, a province on PostgreSQL (bench/pages_load.py)", "9"),
    ("upload", "One large upload (bench/upload.py)", "9"),
    ("documents", "Documents at scale (bench/documents.py)", "9"),
    ("page_weight", "Page weight (bench/page_weight.py)", "9"),
    ("password_hash", "One login's password hash (bench/password_hash.py)", "14"),
    ("load_sqlite", "The earlier deadline rush: SQLite, gunicorn alone (bench/load/run.sh)", "—"),
]
MODES = {
    "full": "full sizes, as the issues set them",
    "quick": "every benchmark at small sizes, in a few minutes: the verdicts show the scripts work, not the targets",
    "tiny": "the smallest sizes (the test that keeps the scripts working): the verdicts mean nothing",
}


def command(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> list[str]:
    model = re.search(r"Model name:\s*(.+)", command(["lscpu"]))
    memory = command(["free", "-h"]).splitlines()
    versions = []
    postgres = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    for name, args in (
        ("PostgreSQL", [str(postgres[-1]) if postgres else "postgres", "-V"]),
        ("Redis", ["redis-server", "--version"]),
        ("nginx", ["bash", "-c", "nginx -v 2>&1 || /usr/sbin/nginx -v 2>&1"]),
        ("Chromium", ["/usr/bin/chromium", "--version"]),
    ):
        found = re.search(r"\d+\.\d+(\.\d+)?", command(args))
        versions.append(f"{name} {found.group(0)}" if found else f"{name} ?")
    head = command(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = command(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    lines = [
        f"- `nproc`: {os.cpu_count()}; CPU: {model.group(1).strip() if model else platform.processor() or '?'}",
        "- `free -h`:",
        "",
        *[f"      {line}" for line in memory],
        "",
        f"- {', '.join(versions)}; Python {platform.python_version()}",
        f"- code: commit `{head}`" + (" with uncommitted changes in the tree" if dirty else ""),
    ]
    return lines


def number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:.1f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(int(value)) if isinstance(value, float) else str(value)


def target_text(target, unit: str) -> str:
    if not target:
        return ""
    op, threshold = target
    op = {"<=": "≤", ">=": "≥", "==": "="}.get(op, op)
    return f"{op} {number(threshold)} {unit}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True)
    parser.add_argument("--mode", choices=sorted(MODES), default="full")
    parser.add_argument("--started", default="")
    parser.add_argument("--load-before", default="")
    parser.add_argument("--load-after", default="")
    parser.add_argument("--command", default="bash bench/run_all.sh")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    work = Path(args.work)
    figures = []
    if (work / "figures.jsonl").exists():
        figures = [
            json.loads(line) for line in (work / "figures.jsonl").read_text(encoding="utf-8").splitlines() if line
        ]
    runs = {}
    if (work / "runs.tsv").exists():
        for line in (work / "runs.tsv").read_text().splitlines():
            name, status, seconds = line.split("\t")
            runs[name] = (int(status), float(seconds))
    with_target = [f for f in figures if f["target"]]
    met = sum(1 for f in with_target if f["met"])
    missed = [f for f in with_target if f["met"] is False]
    failed = [name for name, (status, _) in runs.items() if status != 0]
    started = args.started or datetime.now().strftime("%Y-%m-%d %H:%M")
    out = [
        f"# Benchmarks, {started} ({args.mode})",
        "",
        f"`{args.command}` — {MODES[args.mode]}. Targets from issue 9 and issue 19; each figure next to its target.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- load average (1, 5, 15 min) before: {args.load_before or '?'}; after: {args.load_after or '?'}",
        "",
        "## Summary",
        "",
        f"{len(with_target)} figures with a target: **{met} met, {len(missed)} missed**"
        + (
            f"; {sum(1 for f in with_target if f['met'] is None)} not measured"
            if any(f["met"] is None for f in with_target)
            else ""
        )
        + f". Benchmarks run: {len(runs)}, exited non-zero: {len(failed)}"
        + (f" ({', '.join(failed)})" if failed else "")
        + ".",
        "",
    ]
    if missed:
        out += (
            ["Missed:", ""]
            + [
                f"- {f['bench']}: {f['label']}: {number(f['value'])} {f['unit']} "
                f"(target {target_text(f['target'], f['unit'])})"
                for f in missed
            ]
            + [""]
        )
    known = [name for name, _, _ in ORDER]
    names = known + sorted({f["bench"] for f in figures} - set(known))
    for name in names:
        rows = [f for f in figures if f["bench"] == name]
        title, issue = next(((t, i) for n, t, i in ORDER if n == name), (name, ""))
        if not rows and name not in runs:
            continue
        status, seconds = runs.get(name, (None, None))
        ran = "" if status is None else f" — {seconds:.0f} s, exit {status}"
        out += [f"### {title}" + (f" (issue {issue})" if issue and issue != "—" else "") + ran, ""]
        if rows:
            out += ["| figure | value | target | verdict |", "|---|---:|---|---|"]
            for f in rows:
                verdict = {True: "met", False: "**missed**", None: "—" if f["target"] else ""}[f["met"]]
                value = f"{number(f['value'])} {f['unit']}".strip()
                note = f" ({f['note']})" if f.get("note") else ""
                out.append(f"| {f['label']}{note} | {value} | {target_text(f['target'], f['unit'])} | {verdict} |")
            out.append("")
        if status not in (None, 0):
            log = work / "logs" / f"{name}.log"
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            out += ["Last lines of its output:", "", "```", *tail, "```", ""]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")
    print(f"{args.out}: {met} met, {len(missed)} missed, {len(failed)} benchmark(s) exited non-zero")


if __name__ == "__main__":
    main()
