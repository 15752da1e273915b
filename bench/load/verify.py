"""After the load run: every upload sent is one stored file and one Evidence row; every saved score is stored.

    DATABASE_URL=… STORAGE_URL=… python -m bench.load.verify users.json sent.json
Exits 1 when anything was lost.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    seed = json.load(open(sys.argv[1], encoding="utf-8"))  # noqa: SIM115
    sent = json.load(open(sys.argv[2], encoding="utf-8"))  # noqa: SIM115
    problems = check(seed, sent)
    for problem in problems:
        print("LOST:", problem)
    sys.exit(1 if problems else 0)


def check(seed: dict, sent: dict) -> list[str]:
    """What was lost, in words (nothing: an empty list); prints the counts. The app from the environment."""
    from sqlalchemy import select

    from dvcq.app import create_app
    from dvcq.platform.extensions import db
    from dvcq.platform.storage import get_storage
    from dvcq.platform.tenancy import SYSTEM, scoped
    from dvcq.scoring.engine import parse_points
    from dvcq.scoring.models import Evidence, ItemScore

    app = create_app()
    problems = []
    with app.app_context(), scoped(SYSTEM):
        units = {u["unit_id"] for u in seed["users"]}
        rows = db.session.execute(select(Evidence).where(Evidence.unit_id.in_(units))).scalars().all()
        stored = get_storage()
        keys = set(stored.keys())
        names = sorted((r.unit_id, r.original_name, r.size) for r in rows)
        wanted = sorted((u["unit_id"], u["name"], u["size"]) for u in sent["uploads"])
        if names != wanted:
            problems.append(f"uploads sent {len(wanted)} ≠ evidence rows {len(names)} (or names/sizes differ)")
        missing = [r.storage_key for r in rows if r.storage_key not in keys]
        if missing or len(keys) != len(rows):
            problems.append(f"files stored {len(keys)}, rows {len(rows)}, rows without a file {len(missing)}")
        scores = dict(
            db.session.execute(
                select(ItemScore.id, ItemScore.self_score).where(ItemScore.id.in_([int(i) for i in sent["scores"]]))
            ).all()
        )
        wrong = [i for i, s in sent["scores"].items() if scores.get(int(i)) != parse_points(s)]
        if wrong:
            problems.append(f"{len(wrong)} saved scores differ from the last acknowledged save")
        print(f"uploads sent: {len(wanted)}; evidence rows: {len(rows)}; files stored: {len(keys)}")
        print(f"items saved (last acknowledged value checked): {len(sent['scores'])}; differing: {len(wrong)}")
        db.session.remove()
    return problems


if __name__ == "__main__":
    main()
