"""Results (kết quả): totals, classification (xếp loại) and rank (xếp hạng) per group from a campaign's scores, the
results pages, the .xlsx exports and the import of past years' results. Every later page reads `UnitResult`."""
