"""`/sipgate`: help, status, device, and the admin subcommands link and unlink."""

from __future__ import annotations

from slack_bolt import Ack, Respond

from bot import blocks
from bot.blocks import people as people_blocks
from bot.services import Services
from bot.slack_text import unwrap, user_mention
from handlers.background import in_background

EXAMPLES = ["help", "status", "device e0", "link @ada ada@example.com", "unlink @ada"]


def sipgate_command(
    ack: Ack, command: dict[str, str], respond: Respond, *, services: Services
) -> None:
    """Route the subcommand; everything that asks sipgate runs after the ack."""
    user_id = command["user_id"]
    words = unwrap(command.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    people = services.people
    if sub == "help":
        ack(**people_blocks.sipgate_help(is_admin=people.is_admin(user_id)))
    elif sub == "status" and len(words) == 1:
        ack(**people_blocks.working("Asking sipgate about your phones…"))
        in_background(
            services,
            respond,
            lambda: people_blocks.person_status(people.status(user_id)),
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
