"""The floor: a bare Flask app whose one endpoint returns a constant XML body.

It is served by the same server with the same settings as production (`sipgate-slack serve`),
so the bot's figures can be read as a ratio to what the server and Flask cost on their own.
"""

from __future__ import annotations

import argparse

from flask import Flask, Response

from bot.server import DEFAULT_SERVER, SERVERS, serve_app

XML = '<?xml version="1.0" encoding="UTF-8"?>\n<Response/>\n'


def create() -> Flask:
    """The floor app: POST /sipgate/webhook and GET /healthz, both constant."""
    app = Flask("bench_floor")

    @app.post("/sipgate/webhook")
    def webhook() -> Response:
        return Response(XML, 200, content_type="application/xml; charset=utf-8")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", 200, mimetype="text/plain")

    return app


def main() -> int:
    """`python -m bench.floor --server S --port P`: serve the floor on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    return serve_app("bench.floor:create", "127.0.0.1", args.port, args.server)


if __name__ == "__main__":
    raise SystemExit(main())
