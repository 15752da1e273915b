"""The home page: each role lands on its own page, with the cards and navigation links the areas registered."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from dvcq.platform import registry
from dvcq.platform.auth.models import Role

bp = Blueprint("home", __name__)

HOME_TITLES = {
    Role.OFFICER: "Trang làm việc của cán bộ đầu mối",
    Role.LEADER: "Trang làm việc của lãnh đạo đơn vị",
    Role.APPRAISER: "Trang làm việc của thành viên tổ thẩm định",
    Role.SECRETARIAT: "Trang điều hành của Thường trực Ban Chỉ đạo",
    Role.LEADERSHIP: "Trang tổng quan của lãnh đạo",
    Role.ADMIN: "Trang quản trị hệ thống",
}


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    cards = [card for provider in registry.of().home_cards for card in provider(current_user)]
    return render_template(
        "platform/home.html", title=HOME_TITLES[current_user.role], cards=cards, role=current_user.role.value
    )


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.app_context_processor
def _nav_items():
    if not current_user.is_authenticated:
        return {"nav_items": []}
    areas = registry.of()
    key = (current_user.role, request.script_root)
    links = areas.nav_links.get(key)
    if links is None:
        if len(areas.nav_links) > 64:  # script roots are few; never let odd ones grow the dict without bound
            areas.nav_links.clear()
        links = [
            {"label": item.label, "url": url_for(item.endpoint)}
            for item in areas.nav
            if current_user.role in item.roles
        ]
        areas.nav_links[key] = links
    return {"nav_items": links}
