"""The demo page in a real headless Chromium: the flows a newcomer clicks through.

Each flow is skipped, with the reason, while the bot feature it shows is not registered yet.
A failing test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from bot.demo.runner import Demo
from tests.conftest import ROOT

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')"
)
CHROMIUM = "/usr/bin/chromium"
if not shutil.which(CHROMIUM):
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)",
        allow_module_level=True,
    )

ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT = 8000  # ms for one expectation; fax polling in the demo takes ~6 s


def _commands() -> set[str]:
    from handlers.commands import ROUTES

    return set(ROUTES)


def _pattern_routes(module: str) -> list[str]:
    import importlib

    routes = importlib.import_module(module).ROUTES
    return [getattr(key, "pattern", key) for key in routes]


def require_command(command: str) -> None:
    """Skip unless the bot registers this slash command now."""
    if command not in _commands():
        pytest.skip(f"{command} is not in handlers.commands.ROUTES yet")


def require_action(action_id: str) -> None:
    """Skip unless some route in handlers.actions.ROUTES handles this action id."""
    routes = _pattern_routes("handlers.actions")
    if not any(route == action_id or re.fullmatch(route, action_id) for route in routes):
        pytest.skip(f"no handlers.actions.ROUTES entry handles {action_id!r} yet")


def require_view(callback_id: str) -> None:
    """Skip unless the bot handles submissions of this modal."""
    if callback_id not in _pattern_routes("handlers.views"):
        pytest.skip(f"{callback_id!r} is not in handlers.views.ROUTES yet")


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    running = Demo()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, demo: Demo, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT)
    opened.goto(demo.url)
    opened.wait_for_selector("body[data-ready=true]")
    yield opened
    context.close()
    for user in list(demo.fake_slack.users):  # a modal left open would cover the next test's page
        demo.page.close_all(user)


def screenshot_on_failure(test: Callable[..., None]) -> Callable[..., None]:
    """Save test-artifacts/<test>.png when the test fails (then re-raise)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            test(*args, **kwargs)
        except BaseException as exc:
            if isinstance(exc, pytest.skip.Exception):
                raise
            ARTIFACTS.mkdir(exist_ok=True)
            kwargs["page"].screenshot(path=str(ARTIFACTS / f"{test.__name__}.png"))
            raise

    return run


def act_as(page: Any, name: str) -> None:
    page.click(f".person:has-text('{name}')")


def open_channel(page: Any, channel_id: str) -> None:
    page.click(f"[data-channel={channel_id}]")


def type_command(page: Any, text: str) -> None:
    page.fill("[data-testid=composer]", text)
    page.press("[data-testid=composer]", "Enter")


def expect(locator: Any) -> Any:
    return sync_api.expect(locator)


def call_message(page: Any, text: str) -> Any:
    return page.locator("[data-testid=message]", has_text=text).last


@screenshot_on_failure
def test_sipgate_help_typed_in_the_composer_shows_the_help_only_to_you(page: Any) -> None:
    open_channel(page, "C07GENERAL")
    type_command(page, "/sipgate help")
    reply = page.locator("[data-testid=ephemeral]", has_text="/sipgate status")
    expect(reply).to_be_visible()
    expect(reply).to_contain_text("Only visible to you")
    act_as(page, "Bob")
    expect(page.locator("[data-testid=messages]")).not_to_contain_text("/sipgate status")


@screenshot_on_failure
def test_call_with_a_contact_name_shows_the_confirmation(page: Any, demo: Demo) -> None:
    require_command("/call")
    open_channel(page, "C07SALES01")
    type_command(page, "/call Jürgen Müller")
    expect(page.locator("[data-testid=ephemeral]", has_text="Jürgen Müller").last).to_be_visible()
    expect(page.locator("[data-testid=sipgate-log]")).to_contain_text("Call started")
    expect(page.locator("[data-testid=messages]")).to_contain_text("030 1234568")


def _ring(page: Any, number: str = "+4921112345670", caller: str = "+49 30 1234567") -> Any:
    require_action("call_hold")
    open_channel(page, "C07CALLS3K")
    page.fill("[data-testid=ring-from]", caller)
    page.select_option("[data-testid=ring-to]", number)
    before = page.locator("[data-testid=call]").count()
    page.click("[data-testid=ring]")
    expect(page.locator("[data-testid=call]")).to_have_count(before + 1)
    return page.locator("[data-testid=call]").first


@screenshot_on_failure
def test_ringing_a_line_posts_the_call_which_changes_on_answer_and_on_hangup(page: Any) -> None:
    call = _ring(page, caller="+49 40 7654321")
    message = call_message(page, "040 7654321")
    expect(message).to_contain_text("Ringing")
    call.locator("[data-testid=answer-as]").select_option(label="Alice Schmidt")
    call.locator("[data-testid=answer]").click()
    expect(message).to_contain_text("Answered by")
    expect(message.locator("button", has_text="Hold")).to_be_visible()
    call.locator("[data-testid=hangup-cause]").select_option("normalClearing")
    call.locator("[data-testid=hangup]").click()
    expect(call.locator("[data-testid=call-state]")).to_contain_text("ended")
    expect(message.locator("button", has_text="Hold")).to_have_count(0)
    expect(message).not_to_contain_text("Ringing")


@screenshot_on_failure
def test_clicking_hold_puts_the_call_on_hold_at_sipgate_and_says_so(page: Any, demo: Demo) -> None:
    call = _ring(page, caller="+49 89 1234567")
    call.locator("[data-testid=answer]").click()
    message = call_message(page, "089 1234567")
    message.locator("button", has_text="Hold").click()
    expect(call.locator("[data-testid=call-state]")).to_contain_text("on hold")
    expect(message.locator("button", has_text="Resume")).to_be_visible()
    expect(page.locator("[data-testid=sipgate-log]")).to_contain_text("Hold call")
    assert any(c["hold"] for c in demo.fake_sipgate.live_calls.values())


def _pdf(tmp_path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "Rechnung-2024-117.pdf"
    path.write_bytes(buffer.getvalue())
    return path


@screenshot_on_failure
def test_the_fax_modal_shows_errors_then_sends_the_pdf_and_the_status_reaches_sent(
    page: Any, tmp_path: Path
) -> None:
    require_command("/fax")
    require_view("fax_send")
    open_channel(page, "C07CALLS3K")
    type_command(page, "/fax +49 30 12345678")
    modal = page.locator("[data-testid=modal]")
    expect(modal).to_be_visible()
    modal.locator("[data-testid=modal-submit]").click()
    expect(modal.locator("[data-error-for=fax_document]")).not_to_be_empty()
    modal.locator("input[type=file]").set_input_files(str(_pdf(tmp_path)))
    expect(modal.locator(".file-chip")).to_contain_text("Rechnung-2024-117.pdf")
    modal.locator("[data-testid=modal-submit]").click()
    expect(page.locator("[data-testid=modal-layer]")).to_be_hidden()
    status = call_message(page, "Rechnung-2024-117.pdf")
    expect(status).to_contain_text("Queued at sipgate")
    expect(page.locator("[data-testid=faxes]")).to_contain_text("SENT", timeout=15000)
    expect(status).to_contain_text(re.compile(r"✅ Fax to 030 12345678: Sent"))
    expect(status).not_to_contain_text("Sending")


@screenshot_on_failure
def test_an_sms_scheduled_a_minute_ahead_is_listed(page: Any) -> None:
    require_command("/sms")
    open_channel(page, "C07CALLS3K")
    at = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(minutes=2)
    type_command(page, f"/sms +49 151 12345678 at {at:%H:%M}: Rückruf bitte")
    expect(page.locator("[data-testid=messages]")).to_contain_text("Rückruf bitte")
    type_command(page, "/sms list")
    listed = page.locator("[data-testid=ephemeral]", has_text="Rückruf bitte").last
    expect(listed).to_be_visible()
    expect(listed).to_contain_text(f"{at:%H:%M}")


@screenshot_on_failure
def test_send_as_fax_on_a_message_with_a_pdf_opens_the_fax_form_naming_it(
    page: Any, tmp_path: Path
) -> None:
    if "fax_message_pdf" not in _pattern_routes("handlers.shortcuts"):
        pytest.skip("the Send as fax shortcut is not in handlers.shortcuts.ROUTES yet")
    open_channel(page, "C07GENERAL")
    page.set_input_files("[data-testid=attach]", str(_pdf(tmp_path)))
    expect(page.locator("#attached")).to_contain_text("Rechnung-2024-117.pdf")
    type_command(page, "Bitte an Müller faxen")
    posted = page.locator("[data-testid=message]", has_text="Bitte an Müller faxen")
    posted.locator("[data-testid=shortcut-fax_message_pdf]").click()
    modal = page.locator("[data-testid=modal]")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Rechnung-2024-117.pdf")


@screenshot_on_failure
def test_hang_up_in_slack_asks_to_confirm_then_ends_the_call_at_sipgate(page: Any) -> None:
    require_action("call_hangup")
    call = _ring(page, caller="+49 221 1234567")
    call.locator("[data-testid=answer]").click()
    message = call_message(page, "0221 1234567")
    message.locator("button", has_text="Hang up").click()
    dialog = page.locator("[data-testid=confirm-layer]")
    expect(dialog).to_be_visible()
    dialog.locator("[data-testid=confirm-cancel]").click()
    expect(call.locator("[data-testid=call-state]")).to_contain_text("answered")
    message.locator("button", has_text="Hang up").click()
    dialog.locator("[data-testid=confirm-ok]").click()
    expect(page.locator("[data-testid=sipgate-log]")).to_contain_text("Hang up call")
    expect(call.locator("[data-testid=call-state]")).to_contain_text("ended")
    expect(message.locator("button", has_text="Hang up")).to_have_count(0)


@screenshot_on_failure
def test_block_kit_renders_markup_mentions_dates_in_the_readers_zone_and_buttons(
    page: Any, demo: Demo
) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Renderer check"}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*bold* _italic_ `code` for <@U07BOB12XY> &lt;x&gt;",
            },
            "fields": [{"type": "mrkdwn", "text": "*To*\n030 1234567"}],
            "accessory": {
                "type": "button",
                "action_id": "demo_probe",
                "text": {"type": "plain_text", "text": "Probe"},
                "style": "primary",
            },
        },
        {"type": "divider"},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "At <!date^1732284131^{time}|14:02 UTC>"}],
        },
    ]
    posted = requests.post(
        f"{demo.slack_url}/api/chat.postMessage",
        headers={"Authorization": f"Bearer {demo.fake_slack.bot_token}"},
        json={"channel": "C07SALES01", "text": "Renderer check", "blocks": blocks},
        timeout=5,
    )
    assert posted.json()["ok"], posted.text
    open_channel(page, "C07SALES01")
    message = call_message(page, "Renderer check")
    expect(message.locator(".bk-header")).to_have_text("Renderer check")
    expect(message.locator("b", has_text="bold")).to_be_visible()
    expect(message.locator("i", has_text="italic")).to_be_visible()
    expect(message.locator("code", has_text="code")).to_be_visible()
    expect(message.locator(".mention")).to_have_text("@Bob Meyer")
    expect(message.locator(".section-text")).to_contain_text("<x>")
    expect(message.locator(".field")).to_contain_text("030 1234567")
    expect(message.locator("button.btn-primary")).to_have_text("Probe")
    expect(message.locator(".bk-divider")).to_have_count(1)
    expect(message.locator(".bk-context")).to_have_text("At 15:02")  # Alice: Europe/Berlin
    act_as(page, "Dora")
    expect(call_message(page, "Renderer check").locator(".bk-context")).to_have_text("At 09:02")
