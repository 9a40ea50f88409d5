"""Simulation results are kept per promotion version: the promotion page lists them by version, and a new
version does not show an earlier version's result as its own."""

from __future__ import annotations

import re
import uuid

from server.pricing import simulation
from tests.integration.admin_ui.backoffice import page_token, sign_in
from tests.integration.admin_ui.test_simulation import past_sales, redefine  # noqa: F401  (fixture)
from tests.support.factories import login


def test_a_run_is_kept_against_its_version_and_an_edit_starts_without_one(services, client, chain,
                                                                          past_sales):  # noqa: F811
    sign_in(client, "marketing")
    path = f"/admin/promotions/{chain.promotion_id}/simulation"
    client.post(path, data={"csrf_token": page_token(client, path), "weeks": "4"})
    promotion = client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    assert "has not been simulated yet" not in promotion
    assert re.search(r"<td>1 \(current\)</td>.*?3 of 4.*?€1\.05", promotion, re.S)
    assert re.search(r'id="r-discount">€1\.05<', client.get(path).get_data(as_text=True))  # kept, shown again

    redefine(services, chain, rule={"kind": "percent_off", "percent_bp": 2000, "scope": {"categories": ["snacks"]}})
    promotion = client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    assert "Version 2 (current) has not been simulated yet; the results below are of earlier versions" in promotion
    assert "<td>1 <small>(earlier version)</small></td>" in promotion
    assert 'id="simulation-result"' not in client.get(path).get_data(as_text=True)

    answer = client.post(f"/api/v1/promotions/{chain.promotion_id}/simulation", json={"weeks": 4},
                         headers=login(client, "marketing"))
    assert answer.json["version"] == 2 and answer.json["discount_minor"] == 210  # 20 % of the same 10.50
    with services.db.session() as session:
        kept = {run.version: run.result["discount_minor"]
                for run in simulation.version_results(session, uuid.UUID(chain.promotion_id))}
    assert kept == {1: 105, 2: 210}
    promotion = client.get(f"/admin/promotions/{chain.promotion_id}").get_data(as_text=True)
    assert "has not been simulated yet" not in promotion and re.search(r"<td>2 \(current\)</td>", promotion)
