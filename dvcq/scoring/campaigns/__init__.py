"""Campaigns (kỳ đánh giá): participants, stage deadlines and the status machine."""

from dvcq.scoring.campaigns import demo  # noqa: F401 — registers the demo seeder of the 2026 campaign
