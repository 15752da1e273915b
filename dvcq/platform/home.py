"""The home page: each role lands on its own page. Feature areas add their cards through `home_cards`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from dvcq.tenants.models import Role

bp = Blueprint("home", __name__)

# Each provider returns a list of cards ({"title", "body", "link", "link_text"}) for the user, or [].
_card_providers: list[Callable] = []

HOME_TITLES = {
    Role.OFFICER: "Trang làm việc của cán bộ đầu mối",
    Role.LEADER: "Trang làm việc của lãnh đạo đơn vị",
    Role.APPRAISER: "Trang làm việc của thành viên tổ thẩm định",
    Role.SECRETARIAT: "Trang điều hành của Thường trực Ban Chỉ đạo",
    Role.LEADERSHIP: "Trang tổng quan của lãnh đạo",
    Role.ADMIN: "Trang quản trị hệ thống",
}


def home_cards(provider: Callable) -> Callable:
    _card_providers.append(provider)
    return provider


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    cards = [card for provider in _card_providers for card in provider(current_user)]
    return render_template(
        "platform/home.html", title=HOME_TITLES[current_user.role], cards=cards, role=current_user.role.value
    )


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


_nav: list[tuple[str, str, tuple[Role, ...]]] = []


def nav_item(label: str, endpoint: str, roles: tuple[Role, ...]) -> None:
    """Add a link to the top navigation for the given roles (areas call this from their init_app)."""
    if (label, endpoint, roles) not in _nav:
        _nav.append((label, endpoint, roles))
        _nav_links.clear()


# (role, script root) → the role's links: the same for every request, so built once per process.
_nav_links: dict[tuple[Role, str], list[dict[str, str]]] = {}


@bp.app_context_processor
def _nav_items():
    if not current_user.is_authenticated:
        return {"nav_items": []}
    key = (current_user.role, request.script_root)
    links = _nav_links.get(key)
    if links is None:
        if len(_nav_links) > 64:  # script roots are few; never let odd ones grow the dict without bound
            _nav_links.clear()
        links = [{"label": label, "url": url_for(endpoint)} for label, endpoint, roles in _nav if key[0] in roles]
        _nav_links[key] = links
    return {"nav_items": links}
