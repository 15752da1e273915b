"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendation)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A hash to verify against when the login is unknown, so both answers take the same time.
_DUMMY = _hasher.hash("dvcq-khong-ton-tai")
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """The Vietnamese reason a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if password.isdigit() or password.isalpha():
        return "Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt."
    return None
