"""GET /healthz reports database and scheduler state."""

from __future__ import annotations

import requests


def test_healthy_bot_answers_200_with_details(bot):
    response = requests.get(f"{bot.url}/healthz", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["scheduler"]["running"] is True
    assert body["scheduler"]["owner"] is True


def test_stopped_scheduler_makes_health_503(bot):
    bot.services.scheduler.shutdown()
    response = requests.get(f"{bot.url}/healthz", timeout=5)
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
