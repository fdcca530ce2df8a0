"""Simulated Slack and sipgate services: the fakes the tests and the demo share.

Each simulator is a plain WSGI (Flask) app that behaves like the real service as documented in
the project's references, and :func:`bot.simulator.http.serve` runs any of them on 127.0.0.1.
"""
