"""Who claimed a row: names for this process's claims, and whether a claimer still runs.

Jobs claim their row in a transaction before acting (scheduled SMS, the Slack outbox), naming
the claiming process as "pid:random". The random part tells a restarted process from its
predecessor when the pid repeats (a container restart often starts at the same pid). All
processes sharing one SQLite file run on one machine, so the pid can be asked about directly.
"""

from __future__ import annotations

import os
import uuid


def instance_name() -> str:
    """A fresh claimer name for this process: "pid:random"."""
    return f"{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claimer_gone(claimer: str | None, current: str) -> bool:
    """True when the process named `claimer` no longer runs (`current`: this process's name).

    Our own pid under another name is a predecessor that died; an unreadable name is gone too.
    A pid that still exists, even under another user, counts as running (its lease decides).
    """
    if claimer == current:
        return False
    pid = (claimer or "").partition(":")[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
