"""The decision approving the results (Quyết định phê duyệt kết quả đánh giá, phân loại), its publication and the
freeze of a published campaign. Importing the package registers the freeze's flush listener and the jobs."""

from dvcq.scoring.decisions import freeze  # noqa: F401 — registers the before_flush listener
