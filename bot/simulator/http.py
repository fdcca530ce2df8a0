"""Serve a WSGI app on 127.0.0.1 in a background thread (port 0 = a free port)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not print an access-log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass
class ServedApp:
    """A WSGI app running in a thread; `url` has no trailing slash."""

    server: BaseWSGIServer
    thread: threading.Thread
    host: str = field(default="127.0.0.1")

    @property
    def port(self) -> int:
        return int(self.server.port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def shutdown(self) -> None:
        """Stop serving and wait for the thread to end."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(app: Any, host: str = "127.0.0.1", port: int = 0) -> ServedApp:
    """Start `app` on host:port in a daemon thread and return once it accepts connections."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    # A short poll interval: shutdown() waits up to one interval (werkzeug's default is 0.5 s).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"serve-{host}",
        daemon=True,
    )
    thread.start()
    return ServedApp(server=server, thread=thread, host=host)
