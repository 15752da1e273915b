"""The CPU cost of one login's password hash (issue 14): argon2-cffi's defaults, which the platform used before,
against the settings' cost (OWASP's argon2id minimum).

    python bench/password_hash.py [--rounds 20]

Prints the median wall time and CPU time of one hash for each, measured in the same run, alternately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dvcq.platform import settings  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import record  # noqa: E402

M, T, P = settings.PASSWORD_HASH_MEMORY_KIB, settings.PASSWORD_HASH_TIME_COST, settings.PASSWORD_HASH_PARALLELISM
COSTS = {
    "before: argon2-cffi defaults (m=65536 KiB, t=3, p=4)": PasswordHasher(),
    f"now: settings (m={M} KiB, t={T}, p={P})": PasswordHasher(memory_cost=M, time_cost=T, parallelism=P),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    wall: dict[str, list[float]] = {name: [] for name in COSTS}
    cpu: dict[str, list[float]] = {name: [] for name in COSTS}
    for _ in range(rounds):
        for name, hasher in COSTS.items():
            w, c = time.perf_counter(), time.process_time()
            hasher.hash("Dvcq@2026demo")
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
    for n, name in enumerate(COSTS):
        print(
            f"{name}: median {statistics.median(wall[name]) * 1000:.1f} ms wall, "
            f"{statistics.median(cpu[name]) * 1000:.1f} ms CPU ({rounds} hashes)"
        )
        key = ("before", "now")[n]
        record(
            "password_hash",
            f"{key}.cpu",
            f"one login's hash, CPU, {name}",
            round(statistics.median(cpu[name]) * 1000, 1),
            "ms",
            issue="14",
        )


if __name__ == "__main__":
    main()
