"""Back office, partners (admin only): create a partner, issue a key shown once, revoke it, settle by month."""

from __future__ import annotations

import csv
import io
import re
import uuid

from sqlalchemy import select

from server.models import AuditRecord, PartnerKey
from tests.integration.admin_ui.backoffice import page_token, sign_in

KEY = "X-OneCard-Partner-Key"


def _post(client, path, page, **fields):
    return client.post(path, data={**fields, "csrf_token": page_token(client, page)})


def _earn(client, key, card, amount):
    return client.post("/api/v1/partner/earn", headers={KEY: key},
                       json={"reference": str(uuid.uuid4()), "card_number": card, "amount_minor": amount})


def test_an_admin_creates_a_partner_issues_a_key_once_and_revokes_it(client, chain, services):
    sign_in(client, "admin")
    refused = _post(client, "/admin/partners", "/admin/partners", code="CINEMA", name="Odeon",
                    points_per_unit="1", unit_minor="one euro", issue_price_per_100="0.80",
                    redeem_value_per_100="1.00")
    assert refused.status_code == 422 and "For every: an amount such as 2.50" in refused.text
    made = _post(client, "/admin/partners", "/admin/partners", code="CINEMA", name="Odeon", points_per_unit="2",
                 unit_minor="1.00", issue_price_per_100="0.80", redeem_value_per_100="1,00")
    assert made.status_code == 302 and made.location.endswith("/admin/partners/CINEMA")
    page = client.get("/admin/partners/CINEMA").text
    assert "Members earn 2 points per €1.00 of a sale there." in page and "€0.80 for every 100 points" in page

    issued = _post(client, "/admin/partners/CINEMA/keys", "/admin/partners/CINEMA", scopes="earn")
    assert issued.status_code == 201
    key = re.search(r'id="partner-key"[^>]*>([^<]+)<', issued.text).group(1)
    key_id = key.split(".")[0]
    assert key not in client.get("/admin/partners/CINEMA").text  # shown that once only
    assert _earn(client, key, chain.card, 1250).json["points"] == 24

    confirm = client.get(f"/admin/partners/CINEMA/keys/{key_id}/revoke")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    unticked = _post(client, f"/admin/partners/CINEMA/keys/{key_id}/revoke", "/admin/partners/CINEMA",
                     reason="leaked")
    assert unticked.status_code == 422 and _earn(client, key, chain.card, 100).status_code == 201
    revoked = _post(client, f"/admin/partners/CINEMA/keys/{key_id}/revoke", "/admin/partners/CINEMA",
                    reason="leaked in a ticket", confirm="revoke")
    assert revoked.status_code == 302
    assert _earn(client, key, chain.card, 100).status_code == 401
    with services.db.session() as session:
        assert session.get(PartnerKey, key_id).revoked_at is not None
        actions = session.execute(select(AuditRecord.action, AuditRecord.actor, AuditRecord.reason)
                                  .where(AuditRecord.target == "CINEMA").order_by(AuditRecord.at)).all()
    assert sorted(actions) == sorted([("partner.created", "admin", None), ("partner.key_issued", "admin", None),
                                      ("partner.key_revoked", "admin", "leaked in a ticket")])


def test_settlement_by_month_matches_the_sums_of_the_partners_transactions_and_downloads_as_csv(
        client, chain, services, clock):
    sign_in(client, "admin")
    _post(client, "/admin/partners", "/admin/partners", code="FUEL", name="Petrol", points_per_unit="1",
          unit_minor="1.00", issue_price_per_100="0.85", redeem_value_per_100="1.00")
    issued = _post(client, "/admin/partners/FUEL/keys", "/admin/partners/FUEL", scopes="earn")
    key = re.search(r'id="partner-key"[^>]*>([^<]+)<', issued.text).group(1)
    # March (the clock starts 2026-03-14): 1,250 + 999 -> 12 + 9 points; April: 4,001 -> 40 points.
    for amount in (1250, 999):
        assert _earn(client, key, chain.card, amount).status_code == 201
    clock.advance(days=30)
    assert _earn(client, key, chain.card, 4001).status_code == 201
    sign_in(client, "admin")  # the back-office session idled out over the month

    page = client.get("/admin/partners/FUEL/settlement?from=2026-03-01&to=2026-04-30")
    assert page.status_code == 200
    rows = list(csv.reader(io.StringIO(client.get(
        "/admin/partners/FUEL/settlement?from=2026-03-01&to=2026-04-30&format=csv").text)))
    assert rows[0] == ["From", "To", "Points issued", "Points redeemed", "Partner owes (EUR)", "Chain owes (EUR)",
                       "Net to the chain (EUR)"]
    # 21 points at 0.85 per 100 = 17.85 cents, floored to 17; 40 points -> 34 cents
    assert rows[1:] == [["2026-03-01", "2026-03-31", "21", "0", "0.17", "0.00", "0.17"],
                        ["2026-04-01", "2026-04-30", "40", "0", "0.34", "0.00", "0.34"]]
    whole = re.search(r'id="whole-period">(.*?)</table>', page.text, re.S).group(1)
    assert '"points">61<' in whole and '"money">€0.51<' in whole  # 61 x 0.85 = 51.85 -> 51: once over both
    assert client.get("/admin/partners/FUEL/settlement?from=2026-04-30&to=2026-03-01").text.count(
        "a day on or after From") == 1


def test_only_an_admin_opens_the_partner_pages(client, chain):
    sign_in(client, "hq")
    assert client.get("/admin/partners").status_code == 403
    assert "Partners" not in client.get("/admin/").text
