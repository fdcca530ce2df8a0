"""The benchmark: `sipgate-slack bench` drives the real server against the project's fakes."""
