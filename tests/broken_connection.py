"""A Slack stand-in that reads each request and then drops the connection without answering."""

from __future__ import annotations

import contextlib
import socket
import threading

from slack_sdk import WebClient


def posts_sent_when_the_connection_breaks(client: WebClient, channel: str, text: str) -> int:
    """Point `client` at a server that takes the post and breaks the connection before the
    answer; return how many times the post went out (slack-sdk's default handler resends it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    received: list[bytes] = []

    def read_then_close() -> None:
        server.settimeout(3)
        try:
            while True:
                conn, _ = server.accept()
                received.append(conn.recv(65536))  # Slack got the post ...
                conn.close()  # ... and the connection broke before the answer
        except OSError:
            return

    threading.Thread(target=read_then_close, daemon=True).start()
    client.base_url = f"http://127.0.0.1:{server.getsockname()[1]}/api/"
    with contextlib.suppress(Exception):  # whatever the transport raises, count what went out
        client.chat_postMessage(channel=channel, text=text)
    server.close()
    return len(received)
