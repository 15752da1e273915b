"""API tokens: an administrator issues a bearer token for scripts and other systems to read the authority's
published results through /api/v1. Only a SHA-256 of the token is kept; the token is shown once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dvcq.platform.extensions import db
from dvcq.platform.tenancy import AuthorityScoped


class ApiToken(AuthorityScoped, db.Model):
    """A bearer token scoped to one authority (`authority_id`): it reads that authority's published results only.
    `prefix` (the first characters of the token) lets an administrator recognise a token without storing it. No
    `version` column: revoking is idempotent, and the API's `last_used_at` stamp must never make a revocation fail."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None
