"""/sipgate: help, status, device, link and unlink, over signed HTTP against the fakes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import wait_until


def _reply(fake_slack, bot):
    bot.wait_idle()
    posts = fake_slack.response_posts()
    assert posts, "the bot sent no reply to the response_url"
    return posts[-1].body


def test_help_lists_commands_and_admin_commands_only_for_admins(slack):
    alice = slack.command("/sipgate", "help", user="U07ALICE9Z").text
    bob = slack.command("/sipgate", "", user="U07BOB12XY", user_name="bob.meyer").text
    assert "/sipgate status" in alice and "/sipgate link" in alice and "/sipgate route" in alice
    assert "/sipgate status" in bob and "/sipgate link" not in bob


def test_status_links_by_email_and_shows_devices_sms_and_fax(slack, bot, fake_slack, fake_sipgate):
    ack = slack.command("/sipgate", "status")
    assert ack.status_code == 200 and "Asking sipgate" in ack.text
    reply = _reply(fake_slack, bot)
    text = str(reply["blocks"])
    assert "w0" in text and "Alice desk phone" in text and "s0" in text and "f0" in text
    fake_slack.assert_called("users.info", user="U07ALICE9Z")
    fake_sipgate.assert_requested("GET", "/users")


def test_status_of_a_slack_user_without_sipgate_account_explains_the_fix(slack, bot, fake_slack):
    slack.command("/sipgate", "status", user="U07CARL0ZZ")
    reply = _reply(fake_slack, bot)
    assert "not linked" in reply["text"] or "not linked" in str(reply["blocks"])
    assert "carl@acme.example" in str(reply["blocks"])


def test_device_choice_is_remembered_and_checked_against_own_devices(slack, bot, fake_slack):
    slack.command("/sipgate", "device y0")
    assert "y0" in str(_reply(fake_slack, bot)["blocks"])
    person = bot.services.people.person("U07ALICE9Z")
    assert person.device_id == "y0"
    slack.command("/sipgate", "device e1")  # Bob's phone, not Alice's
    reply = _reply(fake_slack, bot)
    assert "not one of your devices" in str(reply["blocks"])
    assert bot.services.people.person("U07ALICE9Z").device_id == "y0"


def test_admin_links_and_unlinks_a_colleague(slack, bot, fake_slack):
    ack = slack.command("/sipgate", "link <@U07CARL0ZZ|carl.nolink> bob.meyer@acme.example")
    assert ack.status_code == 200
    assert "w1" in str(_reply(fake_slack, bot)["blocks"])
    assert bot.services.people.person("U07CARL0ZZ").sipgate_user_id == "w1"
    ack = slack.command("/sipgate", "unlink <@U07CARL0ZZ|carl.nolink>")
    assert "no longer linked" in ack.text
    assert bot.services.people.person("U07CARL0ZZ").sipgate_user_id is None


def test_unlinked_person_is_not_relinked_by_email(slack, bot, fake_slack):
    slack.command("/sipgate", "unlink <@U07BOB12XY>")
    slack.command("/sipgate", "status", user="U07BOB12XY")
    reply = _reply(fake_slack, bot)
    assert "not linked" in str(reply["blocks"])


def test_link_to_unknown_sipgate_user_is_a_clear_error(slack, bot, fake_slack):
    slack.command("/sipgate", "link <@U07CARL0ZZ> nobody@acme.example")
    assert "No sipgate user" in str(_reply(fake_slack, bot)["blocks"])


def test_non_admin_cannot_link(slack, fake_slack):
    ack = slack.command("/sipgate", "link <@U07CARL0ZZ> w1", user="U07BOB12XY")
    assert "Only bot admins" in ack.text
    assert not fake_slack.response_posts()


def test_link_without_arguments_shows_usage(slack):
    assert "/sipgate link @ada" in slack.command("/sipgate", "link").text


def test_sipgate_outage_during_status_gives_an_actionable_message(
    slack, bot, fake_slack, fake_sipgate
):
    fake_sipgate.fail("* *", 503)
    slack.command("/sipgate", "status")
    reply = _reply(fake_slack, bot)
    assert "sipgate is having trouble" in str(reply["blocks"])


def test_wrong_sipgate_token_tells_admin_to_run_check(slack, bot, fake_slack, fake_sipgate):
    fake_sipgate.fail("* *", 401)
    slack.command("/sipgate", "status")
    wait_until(lambda: fake_slack.response_posts())
    assert "sipgate-slack check" in str(_reply(fake_slack, bot)["blocks"])


def test_people_resolved_at_the_same_time_are_all_linked(bot):
    """Several threads linking people while the directory cache is (re)filled: none misses.

    A thread that found nobody in the empty cache and then saw it freshly filled by another
    thread used to save its person as "not linked" (seen as a flaky /fax test).
    """
    people, storage = bot.services.people, bot.services.storage
    users = {"U07ALICE9Z": "w0", "U07BOB12XY": "w1", "U07DORA0WB": "w2"}
    for _ in range(40):
        storage.execute("delete from people")
        storage.execute("delete from sipgate_users")
        barrier = threading.Barrier(len(users) * 2)

        def resolve(slack_user_id: str, barrier: threading.Barrier = barrier) -> str | None:
            barrier.wait()
            return people.person(slack_user_id).sipgate_user_id

        with ThreadPoolExecutor(len(users) * 2) as pool:
            found = list(pool.map(resolve, list(users) * 2))
        assert found == list(users.values()) * 2
