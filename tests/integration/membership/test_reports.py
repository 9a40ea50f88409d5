"""HQ reports: reconciliation exceptions and refused journal items; sync health per terminal."""

from tests.support.factories import login, make_staff
from tests.support.tills import line


def test_the_reconciliation_report_lists_what_tills_and_server_disagreed_on(client, services, enrol, till):
    make_staff(services, "hanna", "hq")
    hq = login(client, "hanna")
    _, card = enrol()
    till.sale([line("1", 5000)], card=card, points_earned=99)
    till.sale([line("1", 700)], card="2700000001233", offline=True)
    report = client.get("/api/v1/reports/reconciliation?store=B2", headers=hq)
    assert report.status_code == 200, report.json
    kinds = sorted((row["kind"], row["till_value"], row["server_value"]) for row in report.json["exceptions"])
    assert kinds == [("points-earned-differs", 99, 50), ("unknown-card", None, None), ("unknown-items", 700, None),
                     ("unknown-items", 5000, None)]
    assert {row["terminal"] for row in report.json["exceptions"]} == {"T1"}
    csv = client.get("/api/v1/reports/reconciliation?format=csv", headers=hq)
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("transaction_id,store,kind")
    assert client.get("/api/v1/reports/reconciliation?store=K7", headers=hq).json["exceptions"] == []


def test_sync_health_shows_each_terminal_and_its_feed_lag(client, services, till):
    make_staff(services, "hanna", "hq")
    hq = login(client, "hanna")
    till.request("POST", "/api/v1/terminals/heartbeat", {"store": "B2", "terminal": "T1"})
    rows = client.get("/api/v1/reports/sync-health", headers=hq).json["terminals"]
    assert [(r["store"], r["terminal"]) for r in rows] == [("B2", "T1")]
    assert rows[0]["last_seen_at"] is not None and rows[0]["feed_cursor"] is None
    cashier_denied = client.get("/api/v1/reports/sync-health", headers=_cashier(client, services))
    assert cashier_denied.status_code == 403


def _cashier(client, services):
    make_staff(services, "carl", "cashier")
    return login(client, "carl")
