"""`/sipgate`: help, status, device, and the admin subcommands link, unlink and call routes."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot import blocks
from bot.blocks import live_calls as call_blocks
from bot.blocks import people as people_blocks
from bot.errors import UserError
from bot.services import Services
from bot.slack_text import channel_mention, command_text, user_mention
from handlers.background import in_background

EXAMPLES = ["help", "status", "device e0", "link @ada ada@example.com", "unlink @ada"]


def sipgate_command(
    ack: Ack, command: dict[str, str], respond: Respond, *, services: Services
) -> None:
    """Route the subcommand; everything that asks sipgate runs after the ack."""
    user_id = command["user_id"]
    words = command_text(command.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    people = services.people
    if sub == "help":
        ack(**people_blocks.sipgate_help(is_admin=people.is_admin(user_id)))
    elif sub == "status" and len(words) == 1:
        ack(**people_blocks.working("Asking sipgate about your phones…"))
        in_background(
            services,
            respond,
            lambda: people_blocks.person_status(
                people.status(user_id), company_sms=services.config.sms_extension
            ),
            what="/sipgate status",
        )
    elif sub == "device" and len(words) == 2:
        device_id = words[1]
        ack(**people_blocks.working(f"Choosing {device_id}…"))
        in_background(
            services,
            respond,
            lambda: people_blocks.device_chosen(people.choose_device(user_id, device_id)),
            what="/sipgate device",
        )
    elif sub == "device":
        ack(
            **blocks.usage(
                "/sipgate", "Name one of your devices; `/sipgate status` lists them.", ["device e0"]
            )
        )
    elif sub in ("link", "unlink"):
        _admin_command(ack, respond, services, user_id, words)
    elif sub in ("route", "routes", "unroute"):
        ack(**_route_command(services, user_id, words))
    else:
        ack(**blocks.usage("/sipgate", f"I don't know `{blocks.escape(sub)}`. Try:", EXAMPLES))


def _admin_command(
    ack: Ack, respond: Respond, services: Services, user_id: str, words: list[str]
) -> None:
    people = services.people
    if not people.is_admin(user_id):
        ack(**blocks.error("Only bot admins (ADMIN_USERS) can link and unlink people."))
        return
    target = user_mention(words[1]) if len(words) > 1 else None
    if words[0].lower() == "link":
        if target is None or len(words) != 3:
            ack(
                **blocks.usage(
                    "/sipgate",
                    "Name a Slack user and a sipgate user:",
                    ["link @ada ada@example.com", "link @ada w1"],
                )
            )
            return
        sipgate_user = words[2]
        ack(**people_blocks.working("Linking…"))
        in_background(
            services,
            respond,
            lambda: people_blocks.linked(target, people.link(user_id, target, sipgate_user)),
            what="/sipgate link",
        )
        return
    if target is None or len(words) != 2:
        ack(**blocks.usage("/sipgate", "Name the Slack user to unlink:", ["unlink @ada"]))
        return
    people.unlink(user_id, target)
    ack(**people_blocks.unlinked(target))


ROUTE_EXAMPLES = ["route +49 211 12345600 #sales", "route w0 #alice-calls outgoing", "routes"]


def _route_command(services: Services, user_id: str, words: list[str]) -> blocks.Message:
    """`route <number|w…|g…> #channel [outgoing]`, `routes`, `unroute <number|id>` (admins)."""
    routes = services.routes
    sub = words[0].lower()
    if not services.people.is_admin(user_id):
        return blocks.error("Only bot admins (ADMIN_USERS) can change or list call routes.")
    if sub == "routes":
        rows = [(r.target, r.channel, r.outgoing) for r in routes.all()]
        return call_blocks.routes_list(rows, services.config.calls_channel)
    try:
        if sub == "unroute" and len(words) > 1:
            return call_blocks.route_removed(*routes.remove(" ".join(words[1:])))
        at = next((i for i, w in enumerate(words) if channel_mention(w)), None)
        options = [w.lower() for w in words[at + 1 :]] if at else ["?"]
        if sub == "route" and at and at > 1 and options in ([], ["outgoing"]):
            channel = channel_mention(words[at]) or ""
            row = routes.add(user_id, " ".join(words[1:at]), channel, outgoing=bool(options))
            return call_blocks.route_saved(row.target, row.channel, row.outgoing)
    except UserError as exc:
        return blocks.error(exc.user_message)
    return blocks.usage("/sipgate", "Name a number, user or group, then a channel:", ROUTE_EXAMPLES)
