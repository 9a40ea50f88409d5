"""GET /health reports database and queue readiness; 503 when a component is down."""

from server.app import create_app
from server.services import Services
from server.settings import Settings


def test_health_is_ok_with_database_and_in_process_queue(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"]["ok"] and response.json["queue"]["detail"] == "in-process"


def test_health_is_503_when_the_queue_is_unreachable(settings_values, clock):
    settings = Settings.from_values({**settings_values, "redis_url": "redis://127.0.0.1:1/0"})
    services = Services.build(settings, clock=clock)
    response = create_app(services=services).test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["database"]["ok"] and not response.json["queue"]["ok"]
    services.db.dispose()
