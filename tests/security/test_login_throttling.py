"""Failed logins are throttled without handing attackers a lockout weapon (README, «Login throttling»): strictly per
account from one address (5 per 15 minutes), loosely per account from all addresses (20), and per address with a
ceiling a commune office behind one NAT does not reach (200). Addresses are set per client as the proxy would."""

from __future__ import annotations

import pytest

from tests.conftest import Browser
from tests.factories import PASSWORD

WRONG = "sai-mat-khau-1"
ATTACKER, OWNER, OFFICE, NEIGHBOUR = "203.0.113.7", "198.51.100.9", "192.0.2.10", "192.0.2.99"


@pytest.fixture
def from_address(app):
    """A person at a given client address, with their own cookies."""

    def make(address: str) -> Browser:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return Browser(client)

    return make


def test_defaults(app):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"] == "5 per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "20 per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "200 per 15 minutes"


def test_an_attackers_address_cannot_lock_the_owner_out_of_their_own(world, from_address):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        assert attacker.login(world.officer_a, WRONG).status_code == 200
    blocked = attacker.login(world.officer_a, WRONG)
    assert blocked.status_code == 429  # the attacker is stopped on this account…
    assert "Bạn đã thử quá nhiều lần" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert from_address(OWNER).login(world.officer_a).status_code == 302  # …the owner from their office is not


def test_the_attacker_stays_stopped_even_with_the_right_password(world, from_address):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        attacker.login(world.officer_a, WRONG)
    assert attacker.login(world.officer_a, PASSWORD).status_code == 429  # no oracle for a guessed password


def test_guessing_one_account_from_many_addresses_meets_the_account_ceiling(world, from_address):
    for n in range(5):  # four failures from each of five addresses: under the pair limit everywhere
        spray = from_address(f"203.0.113.{10 + n}")
        for _ in range(4):
            assert spray.login(world.officer_a, WRONG).status_code == 200
    assert from_address("203.0.113.99").login(world.officer_a, WRONG).status_code == 429
    assert from_address(OWNER).login(world.officer_b).status_code == 302  # other accounts are untouched


def test_a_commune_office_behind_one_nat_is_not_locked_by_its_own_typos(world, from_address):
    office = from_address(OFFICE)
    for n in range(40):  # forty officers mistyping three times each: 120 failures from one address
        for _ in range(3):
            assert office.login(f"canbo.{n}", WRONG).status_code == 200
    assert from_address(OFFICE).login(world.officer_a).status_code == 302  # a colleague behind the same NAT
    assert from_address(NEIGHBOUR).login(world.officer_b).status_code == 302  # the office next door


def test_one_address_spraying_many_accounts_meets_the_address_ceiling(world, app, from_address):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "12 per 15 minutes"  # the same rule at 200, reached sooner
    spray = from_address(ATTACKER)
    for n in range(12):
        assert spray.login(f"nguoi.{n}", WRONG).status_code == 200
    assert spray.login(world.officer_a, PASSWORD).status_code == 429
    assert from_address(OWNER).login(world.officer_a).status_code == 302
