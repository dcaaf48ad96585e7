"""Staff accounts: passwords, roles per site, and the commands that manage them."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from comments import passwords, staff
from comments.extensions import db
from comments.models import AuditEvent, Moderator, Role
from tests import factories

PASSWORD = "correct horse battery"


@pytest.fixture
def two_sites(app):
    factories.make_site(app, "news")
    factories.make_site(app, "sport", origins=("https://sport.example",))


def _add(runner, *args: str) -> str:
    result = runner.invoke(args=["moderator", "add", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_moderator_add_list_remove(runner, app, two_sites):
    _add(
        runner, "Mod@News.Example", "--role", "moderator", "--site", "news", "--password", PASSWORD
    )
    _add(runner, "mod@news.example", "--role", "admin", "--site", "sport")
    listing = runner.invoke(args=["moderator", "list"]).output
    assert "mod@news.example\tnews:moderator, sport:admin\tlast login never" in listing
    result = runner.invoke(args=["moderator", "remove", "mod@news.example", "--site", "sport"])
    assert result.exit_code == 0, result.output
    assert "news:moderator\t" in runner.invoke(args=["moderator", "list"]).output
    assert runner.invoke(args=["moderator", "remove", "mod@news.example"]).exit_code == 0
    assert runner.invoke(args=["moderator", "list"]).output == ""
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["staff.role", "staff.role", "staff.remove", "staff.remove"]


def test_moderator_add_prompts_for_the_password_of_a_new_account(runner, app, two_sites):
    result = runner.invoke(
        args=["moderator", "add", "a@news.example", "--role", "admin", "--site", "news"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        assert staff.authenticate("a@news.example", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--role", "admin", "--site", "news", "--password", PASSWORD], "valid"),
        (["a@news.example", "--role", "admin", "--site", "nope", "--password", PASSWORD], "nope"),
        (["a@news.example", "--role", "admin", "--site", "news", "--password", "short"], "10"),
        (["a@news.example", "--role", "owner", "--site", "news", "--password", PASSWORD], "owner"),
    ],
)
def test_bad_moderator_input_fails_clearly_and_changes_nothing(
    runner, app, two_sites, args, message
):
    result = runner.invoke(args=["moderator", "add", *args])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(Moderator)) is None
        assert db.session.scalar(select(AuditEvent)) is None


def test_passwords_are_stored_as_argon2_hashes_and_checked(runner, app, two_sites):
    _add(runner, "a@news.example", "--role", "admin", "--site", "news", "--password", PASSWORD)
    with app.app_context():
        account = staff.find("A@NEWS.EXAMPLE")
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
        assert staff.authenticate("a@news.example", PASSWORD).id == account.id
        assert staff.authenticate("a@news.example", PASSWORD + "!") is None
        assert staff.authenticate("nobody@news.example", PASSWORD) is None
        assert staff.role_on(account, staff.sites.get_site("news").id) == Role.ADMIN
        assert staff.role_on(account, staff.sites.get_site("sport").id) is None


def test_an_unknown_account_costs_as_much_time_as_a_known_one(runner, app, two_sites):
    _add(runner, "a@news.example", "--role", "admin", "--site", "news", "--password", PASSWORD)

    def timed(email: str) -> float:
        start = time.perf_counter()
        with app.app_context():
            staff.authenticate(email, "wrong password!")
        return time.perf_counter() - start

    known = min(timed("a@news.example") for _ in range(5))
    unknown = min(timed("nobody@news.example") for _ in range(5))
    # Both verify one argon2 hash; a lookup alone would be a hundred times faster.
    assert unknown > known / 3
    assert not passwords.verify(None, "anything")


def test_the_unknown_account_hash_is_made_on_first_use_with_the_configured_costs():
    # Not at import: every worker and CLI command would pay argon2's time and memory.
    code = "import comments.passwords as p; print(p._DUMMY is None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    before = (passwords._hasher.time_cost, passwords._hasher.memory_cost)
    try:
        passwords.configure(time_cost=1, memory_kib=64)
        assert passwords._DUMMY is None
        assert not passwords.verify(None, "anything")
        assert str(passwords._DUMMY).startswith("$argon2id$v=19$m=64,t=1")
    finally:
        passwords.configure(time_cost=before[0], memory_kib=before[1])
