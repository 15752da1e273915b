"""API tokens: issued and revoked by an administrator for their authority; only a SHA-256 of a token is stored and
the token itself is shown once. `authenticate` turns a bearer token into the authority it may read."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from dvcq.insights.models import ApiToken
from dvcq.platform import audit, clock
from dvcq.platform.auth.models import Role
from dvcq.platform.errors import NotFound, ServiceError
from dvcq.platform.extensions import db
from dvcq.platform.permissions import require
from dvcq.platform.tenancy import SYSTEM, scoped

TOKEN_PREFIX = "dvcq_"
NAME_MAX = 120
LAST_USED_RESOLUTION = timedelta(minutes=1)  # stamp last use at most once a minute: no write per request


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _authority_of(actor) -> int:
    require(actor, Role.ADMIN)
    if actor.unit.authority_id is None:
        raise ServiceError("Tài khoản quản trị này không thuộc cơ quan đánh giá nào.")
    return actor.unit.authority_id


def tokens_of(actor) -> list[ApiToken]:
    authority_id = _authority_of(actor)
    stmt = select(ApiToken).where(ApiToken.authority_id == authority_id)
    return list(
        db.session.execute(stmt.order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).scalars()
    )


def issue(actor, name: str) -> tuple[ApiToken, str]:
    """A new token named `name` for the administrator's authority. Returns the row and the token (shown once)."""
    authority_id = _authority_of(actor)
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Vui lòng đặt tên cho mã truy cập (ví dụ: «Cổng thông tin tỉnh»).")
    if len(name) > NAME_MAX:
        raise ServiceError(f"Tên mã truy cập dài quá {NAME_MAX} ký tự.")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        authority_id=authority_id,
        name=name,
        token_hash=digest(plain),
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        created_at=clock.now(),
        created_by_id=actor.id,
    )
    audit.record_new(
        token, "api_token.issue", actor=actor, unit_id=authority_id, after={"name": name, "prefix": token.prefix}
    )
    db.session.commit()
    return token, plain


def revoke(actor, token_id: int) -> ApiToken:
    """Revoke a token of the administrator's authority; a token of another authority is as missing as none."""
    authority_id = _authority_of(actor)
    token = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.authority_id == authority_id)
    ).scalar_one_or_none()
    if token is None:
        raise NotFound("Không tìm thấy mã truy cập.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    token.revoked_by_id = actor.id
    audit.record(
        "api_token.revoke",
        actor=actor,
        target=token,
        unit_id=authority_id,
        before={"revoked": False},
        after={"revoked": True, "name": token.name, "prefix": token.prefix},
    )
    db.session.commit()
    return token


def authenticate(header: str | None) -> tuple[ApiToken | None, str | None]:
    """(token, None) for a valid `Authorization: Bearer …`; (None, why) otherwise, in Vietnamese."""
    scheme, _, value = (header or "").partition(" ")
    if not header:
        return None, "Thiếu mã truy cập. Gửi kèm tiêu đề «Authorization: Bearer <mã truy cập>»."
    if scheme.lower() != "bearer" or not value.strip():
        return None, "Tiêu đề Authorization phải có dạng «Bearer <mã truy cập>»."
    with scoped(SYSTEM):  # looking a token up precedes any scope: the token is what gives one
        token = db.session.execute(
            select(ApiToken).where(ApiToken.token_hash == digest(value.strip()))
        ).scalar_one_or_none()
        if token is None or token.revoked_at is not None:
            return None, "Mã truy cập không hợp lệ hoặc đã bị thu hồi."
        now = clock.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            token.last_used_at = now
            db.session.commit()
    return token, None
