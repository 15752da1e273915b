"""Appraisal (thẩm định): assignments, verified scores with reasons, release of the preliminary result, the
explanation round (giải trình) and the final review."""
