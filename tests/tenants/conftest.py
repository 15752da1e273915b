"""Fixtures for the units and users tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dvcq.platform.auth.models import Role
from dvcq.platform.extensions import db
from dvcq.platform.tenancy import SYSTEM, scoped
from dvcq.tenants.models import Unit
from tests import factories


@pytest.fixture
def admin_d2(world):
    """An administrator of the other district D2 (whose only commune is F)."""
    with scoped(SYSTEM):
        d2 = db.session.execute(select(Unit).where(Unit.code == "D2")).scalar_one()
        factories.user("quantri.d2", Role.ADMIN, d2, "Quản Trị Huyện Khác")
        db.session.commit()
    db.session.remove()
    return "quantri.d2"


@pytest.fixture
def logged_in_admin(world, browser):
    browser.login(world.admin)
    return browser
