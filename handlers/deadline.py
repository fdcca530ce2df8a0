"""Checks that must finish before an ack, bounded so the ack still reaches Slack in time."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TypeVar, cast

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Slack shows an error once an interaction is not acked within 3 s (slack-bolt.md §1.3); keep a
# margin for the HTTP round trip.
ACK_BUDGET = 2.0
SIPGATE_SLOW = (
    "sipgate is not answering right now, so the bot could not check this recipient. Try again "
    "in a moment, or type the number."
)


class TooSlow(Exception):
    """The check did not finish within the ack budget (it goes on, unseen, in its thread)."""


def within_budget(check: Callable[[], T], seconds: float | None = None) -> T:
    """Return check()'s result or raise its exception; raise TooSlow after `seconds`.

    A form's recipient may need sipgate (a cold contacts cache, an @mention's phones). A late
    check is left to finish in its daemon thread: it only reads, and it warms the caches for
    the person's next try.
    """
    box: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put((True, check()))
        except Exception as exc:  # handed to the caller's thread below
            box.put((False, exc))

    threading.Thread(target=run, name="pre-ack-check", daemon=True).start()
    try:
        ok, value = box.get(timeout=ACK_BUDGET if seconds is None else seconds)
    except queue.Empty:
        logger.warning("A pre-ack check ran out of time; the form answers without it")
        raise TooSlow from None
    if not ok:
        assert isinstance(value, Exception)
        raise value
    return cast(T, value)
