"""Messages of `/sipgate`: help, status, device choice, admin link and unlink."""

from __future__ import annotations

from bot.blocks.common import Message, context, divider, escape, fields, header, message, section
from bot.services.people import Person, PersonStatus
from bot.sipgate.models import Device

HELP_LINES = [
    ("/call <number, contact or @colleague>", "rings your phone, then dials the number"),
    ("/sms <number, contact or @colleague> <text>", "sends an SMS now"),
    ("/sms <recipient> at 9:00 tomorrow: <text>", "schedules it (or `in 2h:`, `friday 14:00:`)"),
    ("/sms list", "your scheduled SMS, each with a Cancel button"),
    ("/fax [number]", "sends a PDF as a fax"),
    ("/lookup <name, company or number>", "searches the sipgate contacts"),
    ("/sipgate status", "shows your sipgate link, phones, SMS extension and fax lines"),
    ("/sipgate device <id>", "chooses the phone your calls start from"),
]
ADMIN_LINES = [
    ("/sipgate link @user <sipgate e-mail or user id>", "links a Slack user to a sipgate user"),
    ("/sipgate unlink @user", "removes a link"),
    ("/sipgate route <number, w1 or g0> #channel [outgoing]", "posts those calls in #channel"),
    ("/sipgate routes", "lists the call routes"),
    ("/sipgate unroute <number, w1 or g0>", "removes a call route"),
]


def sipgate_help(*, is_admin: bool) -> Message:
    """The `/sipgate help` text."""
    lines = HELP_LINES + (ADMIN_LINES if is_admin else [])
    body = "\n".join(f"• `{escape(cmd)}`: {what}" for cmd, what in lines)
    return message(
        "sipgate for Slack: commands",
        [header("sipgate for Slack"), section(body)],
        response_type="ephemeral",
    )


def working(what: str) -> Message:
    """An immediate acknowledgement while the bot asks sipgate."""
    shown = escape(what)  # the fallback text is mrkdwn too
    return message(shown, [context(f":hourglass_flowing_sand: {shown}")], response_type="ephemeral")


def _device_line(device: Device) -> str:
    state = "online" if device.online else "offline"
    return f"`{escape(device.id)}` {escape(device.alias or device.type)} ({state})"


def person_status(status: PersonStatus, *, company_sms: str | None = None) -> Message:
    """The `/sipgate status` card."""
    person = status.person
    if not person.linked:
        text = (
            "Your Slack account is not linked to a sipgate user"
            + (
                f" (no sipgate user has the e-mail {escape(person.email)})."
                if person.email
                else "."
            )
            + " Ask an admin to run `/sipgate link @you &lt;sipgate e-mail or user id&gt;`."
        )
        return message(text, [section(f":link: {text}")], response_type="ephemeral")
    calling = _device_line(status.calling_device) if status.calling_device else "none found"
    sms = (
        f"`{escape(status.sms_extension.id)}` {escape(status.sms_extension.alias)}"
        if status.sms_extension
        else f"none: SMS go out from the company extension `{company_sms}`"
        if company_sms
        else "none, and no company extension (SMS_EXTENSION) is set"
    )
    fax = (
        ", ".join(
            f"`{escape(f.id)}` {escape(f.alias)}" + ("" if f.can_send else " (receive only)")
            for f in status.faxlines
        )
        or "none"
    )
    how = "by e-mail" if person.linked_by == "email" else "by an admin"
    blocks = [
        header("Your sipgate link"),
        fields(
            [
                (
                    "sipgate user",
                    f"{escape(person.sipgate_name or '')} (`{person.sipgate_user_id}`)",
                ),
                ("Linked", how),
                ("Calls start from", calling),
                ("SMS extension", sms),
                ("Fax lines", fax),
                ("Bot admin", "yes" if status.is_admin else "no"),
            ]
        ),
        divider(),
        section("*Your phones*\n" + ("\n".join(_device_line(d) for d in status.devices) or "none")),
        context("Choose the phone your calls start from with `/sipgate device &lt;id&gt;`."),
    ]
    return message(
        f"Linked to sipgate user {person.sipgate_user_id}", blocks, response_type="ephemeral"
    )


def device_chosen(device: Device) -> Message:
    """Confirmation of `/sipgate device`."""
    text = f"Your calls now start from {_device_line(device)}."
    return message(text, [section(f":white_check_mark: {text}")], response_type="ephemeral")


def linked(slack_user_id: str, person: Person) -> Message:
    """Confirmation of `/sipgate link`."""
    text = (
        f"<@{slack_user_id}> is now linked to sipgate user "
        f"{escape(person.sipgate_name)} (`{person.sipgate_user_id}`)."
    )
    return message(text, [section(f":link: {text}")], response_type="ephemeral")


def unlinked(slack_user_id: str) -> Message:
    """Confirmation of `/sipgate unlink`."""
    text = f"<@{slack_user_id}> is no longer linked to a sipgate user."
    return message(text, [section(f":scissors: {text}")], response_type="ephemeral")
