"""Self-assessment (tự đánh giá): the unit scores every leaf, cites evidence, and submits."""
