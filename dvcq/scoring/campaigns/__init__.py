"""Campaigns (kỳ đánh giá): participants, stage deadlines and the status machine."""
