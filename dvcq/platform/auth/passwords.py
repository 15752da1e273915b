"""Password hashing with argon2id at OWASP's minimum cost (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).

argon2-cffi's defaults (64 MiB, t=3, p=4) cost ~120 ms of CPU a login; on deadline day a hundred officers logging in
together queued for tens of seconds. The cost is a setting (PASSWORD_HASH_*); a hash made with other parameters
still verifies and is replaced at the owner's next successful login (`needs_rehash`)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from dvcq.platform.settings import PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_PARALLELISM, PASSWORD_HASH_TIME_COST

MIN_LENGTH = 10


@cache
def _hasher_for(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)


@cache
def _dummy(hasher: PasswordHasher) -> str:
    # A hash to verify against when the login is unknown, with the cost in use, so both answers take the same time.
    return hasher.hash("dvcq-khong-ton-tai")


def _hasher() -> PasswordHasher:
    """The hasher of the app's settings; outside an app (test factories, bench scripts) the defaults."""
    config = current_app.config if has_app_context() else {}
    return _hasher_for(
        config.get("PASSWORD_HASH_MEMORY_KIB", PASSWORD_HASH_MEMORY_KIB),
        config.get("PASSWORD_HASH_TIME_COST", PASSWORD_HASH_TIME_COST),
        config.get("PASSWORD_HASH_PARALLELISM", PASSWORD_HASH_PARALLELISM),
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(stored or _dummy(hasher), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with other parameters than the settings' (an older cost)."""
    return _hasher().check_needs_rehash(stored)


def cost_of(stored: str) -> dict[str, int]:
    """A hash's argon2 cost (memory in KiB, passes, lanes), for the audit log — never the hash itself."""
    parameters = extract_parameters(stored)
    return {"m": parameters.memory_cost, "t": parameters.time_cost, "p": parameters.parallelism}


def password_problem(password: str) -> str | None:
    """The Vietnamese reason a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if password.isdigit() or password.isalpha():
        return "Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt."
    return None
