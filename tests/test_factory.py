from api import create_app


def test_settings_override_environment(monkeypatch, fake_redis):
    monkeypatch.setenv("SS_SYNC_WAIT_SECONDS", "12")
    app = create_app({"REDIS_CONNECTION": fake_redis, "SS_JOB_RETRIES": 7})
    settings = app.config["SETTINGS"]
    assert settings.SS_SYNC_WAIT_SECONDS == 12.0
    assert settings.SS_JOB_RETRIES == 7


def test_unknown_route_is_json_404(client):
    response = client.get("/api/v2/nothing-here/")
    assert response.status_code == 404
    assert response.get_json()["error"] is True
