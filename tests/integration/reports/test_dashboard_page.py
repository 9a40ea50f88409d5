"""The HQ dashboard in the back office: the reports' figures for the chosen days and store, as tiles,
server-drawn SVG charts and a per-day table (CSV too). Expected figures are the seeded sales, by hand."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from server.models import MemberLots
from server.reports.rollups import run_rollups
from tests.integration.admin_ui.backoffice import csrf_of
from tests.support.factories import PASSWORD, make_staff

MARCH = "from=2025-03-01&to=2025-03-31"


@pytest.fixture
def settings_values(settings_values) -> dict[str, str]:
    return {**settings_values, "web_apps": "admin_ui.web:mount"}


def signed_in(client, username: str = "hanna"):
    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))
    assert client.post("/admin/sign-in", data={"username": username, "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
    return client


def figure(page: str, tile: str) -> str:
    return re.search(rf'id="{tile}">([^<]+)<', page).group(1)


def test_march_for_the_chain_and_for_one_store(chain, client):
    run_rollups()
    page = signed_in(client).get(f"/admin/dashboard?{MARCH}").get_data(as_text=True)
    # Ada 20.00 + 45.00 + 20.00, Bob 20.00 + 21.00 + 22.00 + 23.00 + 24.00, Cy 30.00; anonymous 9.99 + 20.00
    assert figure(page, "t-sales") == "€254.99"
    assert "in 11 baskets" in page
    assert figure(page, "t-share") == "88.24 %"  # 225.00 of 254.99
    assert page.count('<svg role="img"') == 4 and "<script src" not in page and "pygal.config" not in page
    a1 = client.get(f"/admin/dashboard?{MARCH}&store=A1").get_data(as_text=True)
    assert figure(a1, "t-sales") == "€159.99"  # Ada 20.00 + 20.00, Bob 110.00, anonymous 9.99
    assert "for the whole chain (points are not counted per store)" in a1


def test_the_per_day_table_downloads_as_csv_with_money_as_amounts(chain, client):
    run_rollups()
    csv = signed_in(client).get(f"/admin/dashboard?{MARCH}&store=A1&format=csv").get_data(as_text=True)
    rows = {line.split(",")[0]: line.split(",") for line in csv.splitlines()[1:]}
    assert len(rows) == 31
    assert rows["2025-03-04"][1:4] == ["1", "20.00", "20.00"]  # Ada's 23:30 UTC sale is Berlin's 4th
    assert rows["2025-03-20"][6] == "600"  # points redeemed that day (chain-wide)


def test_the_outstanding_points_are_read_again_only_when_their_roll_up_has_moved(chain, client, services, clock):
    run_rollups()
    before = figure(signed_in(client).get(f"/admin/dashboard?{MARCH}").get_data(as_text=True), "t-liability")
    with services.db.session() as session:  # behind the job's back: the watermark stands
        session.execute(update(MemberLots).values(points=MemberLots.points + 1_000))
        session.commit()
    assert figure(client.get(f"/admin/dashboard?{MARCH}").get_data(as_text=True), "t-liability") == before
    clock.advance(minutes=3)
    run_rollups()  # nothing new to add, but the liability watermark moves: the page reads the roll-up again
    after = figure(client.get(f"/admin/dashboard?{MARCH}").get_data(as_text=True), "t-liability")
    assert after != before and after.startswith("€")


def test_a_backwards_range_is_explained_and_the_last_four_weeks_shown(chain, client):
    page = signed_in(client).get("/admin/dashboard?from=2025-03-31&to=2025-03-01").get_data(as_text=True)
    assert "From: choose a day on or before To" in page
    assert "2026-01-05 to 2026-02-01" in page


@pytest.mark.parametrize(("role", "status"), [("hq", 200), ("admin", 200), ("marketing", 403),
                                              ("member_service", 403), ("cashier", 403)])
def test_only_hq_and_admin_open_the_dashboard(services, client, role, status):
    make_staff(services, f"user-{role}", role)
    assert signed_in(client, f"user-{role}").get("/admin/dashboard").status_code == status
