"""Live-call messages (ringing, answered, ended, missed, voicemail) and the routing replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import phone
from bot.blocks import ids
from bot.blocks.common import (
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    info,
    message,
    plain,
    section,
)

CAUSES = {
    "normalClearing": "ended normally",
    "busy": "the line was busy",
    "cancel": "the caller hung up before anyone answered",
    "noAnswer": "nobody answered (or the call was rejected)",
    "congestion": "the callee could not be reached",
    "notFound": "the number does not exist or the phone is offline",
    "forwarded": "forwarded to another destination",
}


@dataclass(frozen=True)
class Party:
    """A sipgate user on the call: their name and, when linked, their Slack user id."""

    name: str
    slack_user_id: str | None = None


@dataclass(frozen=True)
class CallView:
    """Everything a call message shows, already resolved to display values."""

    call_id: str
    version: int
    direction: str
    state: str  # ringing | answered | voicemail | ended | missed
    voicemail: bool
    caller: str  # formatted number, or "unknown number"
    caller_name: str | None
    caller_e164: str | None  # for Call back; None when anonymous
    called: str
    line: str | None  # the called number's sipgate alias, when cached
    ringing: tuple[Party, ...]
    answered_by: Party | None
    answered_at: datetime | None
    ended_at: datetime | None
    cause: str
    end_note: str
    ended_by: str | None  # Slack user who hung up with the button
    hold_by: str | None  # Slack user id, or "" when put on hold outside Slack
    muted_by: str | None
    tz: str


def call_message(view: CallView) -> Message:
    """The call's message in its current state; new block_ids per version (slack-bolt.md §4.2)."""
    suffix = f"{view.call_id}:v{view.version}"
    blocks: list[Block] = [
        section(_headline(view), block_id=f"call_summary:{suffix}"),
        context(_status(view)),
    ]
    buttons = _buttons(view)
    if buttons:
        blocks.append(actions(buttons, block_id=f"call_controls:{suffix}"))
    return message(_fallback(view), blocks)


def _who(view: CallView) -> str:
    number = escape(view.caller)
    return f"*{escape(view.caller_name)}* ({number})" if view.caller_name else f"*{number}*"


def _headline(view: CallView) -> str:
    called = escape(view.called)
    target = f"*{escape(view.line)}* ({called})" if view.line else f"*{called}*"
    if view.direction == "out":
        caller = ", ".join(_party(p) for p in view.ringing) or "someone"
        return f":telephone_receiver: *Outgoing call* from {caller} to {_who(view)}"
    return f":telephone_receiver: *Incoming call* from {_who(view)} to {target}"


def _party(party: Party) -> str:
    name = escape(party.name) if party.name else "someone"
    return f"<@{party.slack_user_id}>" if party.slack_user_id else name


def _when(moment: datetime, tz: str) -> str:
    # Slack renders <!date^…> in each reader's own time zone; the fallback uses the bot's.
    fallback = moment.astimezone(ZoneInfo(tz)).strftime("%H:%M")
    return f"<!date^{int(moment.timestamp())}^{{time}}|{fallback}>"


def _duration(view: CallView) -> str:
    if view.answered_at is None or view.ended_at is None:
        return ""
    seconds = max(0, int((view.ended_at - view.answered_at).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    return f" · lasted {text}"


def _status(view: CallView) -> str:
    if view.state == "ringing":
        names = ", ".join(_party(p) for p in view.ringing) or "the line"
        return f":bell: Ringing {names}" if view.direction == "in" else ":bell: Ringing…"
    if view.state == "voicemail":
        return f":envelope_with_arrow: Answered by voicemail{_at(view)}"
    if view.state == "answered":
        return "  ".join(
            [f":white_check_mark: Answered by {_answerer(view)}{_at(view)}", *_extras(view)]
        )
    if view.state == "missed":
        label = "Missed call" if view.direction == "in" else "Not answered"
        rang = ", ".join(_party(p) for p in view.ringing) if view.direction == "in" else ""
        return f":x: *{label}* — {_cause(view)}" + (f" · rang {rang}" if rang else "")
    if view.voicemail:
        return f":envelope_with_arrow: Went to voicemail{_at(view)}{_duration(view)}"
    answered = f" · answered by {_answerer(view)}" if view.answered_by else ""
    return f":checkered_flag: *Call ended* — {_cause(view)}{answered}{_duration(view)}"


def _answerer(view: CallView) -> str:
    return _party(view.answered_by) if view.answered_by else "someone"


def _at(view: CallView) -> str:
    return f" at {_when(view.answered_at, view.tz)}" if view.answered_at else ""


def _cause(view: CallView) -> str:
    if view.ended_by:
        return f"hung up from Slack by <@{view.ended_by}>"
    if view.end_note:
        return escape(view.end_note)
    return CAUSES.get(view.cause) or f"ended ({escape(view.cause or 'no reason given')})"


def _extras(view: CallView) -> list[str]:
    lines = []
    if view.hold_by is not None:
        lines.append(
            ":pause_button: *On hold*" + (f" — by <@{view.hold_by}>" if view.hold_by else "")
        )
    if view.muted_by is not None:
        lines.append(":mute: *Muted*" + (f" — by <@{view.muted_by}>" if view.muted_by else ""))
    return lines


def _buttons(view: CallView) -> list[Block]:
    if view.state == "answered":
        held, muted = view.hold_by is not None, view.muted_by is not None
        return [
            button(
                "Resume" if held else "Hold",
                ids.ACTION_CALL_RESUME if held else ids.ACTION_CALL_HOLD,
                view.call_id,
            ),
            button(
                "Unmute" if muted else "Mute",
                ids.ACTION_CALL_UNMUTE if muted else ids.ACTION_CALL_MUTE,
                view.call_id,
            ),
            button(
                "Hang up",
                ids.ACTION_CALL_HANGUP,
                view.call_id,
                style="danger",
                confirm=_confirm_hangup(),
            ),
        ]
    if view.state == "missed" and view.direction == "in" and view.caller_e164:
        return [button("Call back", ids.ACTION_CALL_NUMBER, view.caller_e164, style="primary")]
    return []


def _confirm_hangup() -> Block:
    return {
        "title": plain("Hang up this call?"),
        "text": plain("The call ends for everyone on it."),
        "confirm": plain("Hang up"),
        "deny": plain("Keep talking"),
        "style": "danger",
    }


def _fallback(view: CallView) -> str:
    who = escape(view.caller_name or view.caller)  # the fallback text is mrkdwn too
    kind = "Incoming" if view.direction == "in" else "Outgoing"
    state = {
        "ringing": "ringing",
        "answered": "answered",
        "voicemail": "answered by voicemail",
        "missed": "missed",
    }.get(view.state, "ended")
    return f"{kind} call {'from' if view.direction == 'in' else 'to'} {who} — {state}"


# -- routing replies ----------------------------------------------------------------------------


def _route_target(target: str) -> str:
    """A route's key as people write it: numbers in international form, ids as code."""
    if target.startswith("+"):
        return escape(phone.international(target))
    return f"`{escape(target)}`"


def route_saved(target: str, channel: str, outgoing: bool) -> Message:
    """The ack after `/sipgate route`."""
    extra = " (incoming and outgoing calls)" if outgoing else " (incoming calls)"
    shown = _route_target(target)
    return info(f":white_check_mark: Calls for {shown} now go to <#{channel}>{extra}.")


def route_removed(target: str, removed: bool) -> Message:
    """The ack after `/sipgate unroute`."""
    if removed:
        return info(f"Calls for {_route_target(target)} no longer have their own channel.")
    return info(f"There was no route for {_route_target(target)}; `/sipgate routes` lists them.")


def routes_list(rows: Sequence[tuple[str, str, bool]], fallback: str | None) -> Message:
    """The reply to `/sipgate routes`: (target, channel, outgoing) rows plus the default."""
    lines = [
        f"• {_route_target(target)} → <#{channel}>" + (" (also outgoing)" if outgoing else "")
        for target, channel, outgoing in rows[:40]
    ]
    default = f"<#{fallback}>" if fallback else "nowhere (CALLS_CHANNEL is not set)"
    body = "\n".join(lines) if lines else "No routes yet."
    return info(f"*Call routes*\n{body}\nEvery other incoming call goes to {default}.")
