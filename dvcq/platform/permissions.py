"""The one permission check: role decorators for views. Services check again with `require` before changing
anything, so a job or the CLI cannot skip it."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from dvcq.platform.auth.models import Role
from dvcq.platform.errors import Forbidden

AUTHORITY_STAFF = (Role.APPRAISER, Role.SECRETARIAT, Role.LEADERSHIP, Role.ADMIN)
UNIT_STAFF = (Role.OFFICER, Role.LEADER)


def require(user, *roles: Role) -> None:
    """Raise Forbidden unless `user` holds one of `roles`."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role not in roles:
        raise Forbidden("Tài khoản của bạn không có quyền thực hiện thao tác này.")


def roles_required(*roles: Role):
    """A view decorator: 401→login for anonymous users, 403 for a role that may not act."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
