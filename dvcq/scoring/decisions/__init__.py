"""The decision approving the results (Quyết định phê duyệt kết quả đánh giá, phân loại), its publication and the
freeze of a published campaign. Importing the package registers the freeze's flush listener.

Other areas call `assert_not_published(campaign)` before changing anything that belongs to a campaign."""

from dvcq.scoring.decisions.freeze import assert_not_published

__all__ = ["assert_not_published"]
