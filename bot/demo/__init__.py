"""`sipgate-slack demo`: the real bot against simulated Slack and sipgate, shown in a browser page.

runner.py starts the parts, slack_side.py plays Slack's requests, phone.py plays sipgate's call
events, state.py reads what the bot did from the fakes, server.py serves the page and its API.
"""
