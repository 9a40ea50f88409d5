"""The demo seeds one staff login per role, with a password made for the run, and `onecard demo` prints them;
each login signs in to the back office and sees its own pages."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from server.cli import _show_demo
from server.demo.seed import DEMO_STAFF, seed_chain
from tests.integration.admin_ui.backoffice import csrf_of

# The page each role starts from, and one it may not open.
PAGES = {"admin": ("/admin/staff", None), "marketing": ("/admin/promotions", "/admin/members"),
         "member_service": ("/admin/members", "/admin/promotions"), "hq": ("/admin/dashboard", "/admin/staff"),
         "cashier": (None, "/admin/members"), "manager": (None, "/admin/members")}


@pytest.fixture
def demo_chain(services):
    return seed_chain(services, random.Random(20261126), product_count=40, member_count=6)


def test_every_role_has_a_demo_login_that_opens_its_pages_and_no_others(client, demo_chain):
    assert sorted(role for _, role, _ in DEMO_STAFF) == sorted(PAGES)
    assert len(set(demo_chain.logins.values())) == len(DEMO_STAFF)  # each made for this run, none shared
    for username, role, _ in DEMO_STAFF:
        token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))
        signed = client.post("/admin/sign-in", data={"username": username, "password": demo_chain.logins[username],
                                                     "csrf_token": token})
        assert signed.status_code == 302, username
        allowed, refused = PAGES[role]
        if allowed:
            assert client.get(allowed).status_code == 200, (username, allowed)
        if refused:
            assert client.get(refused).status_code == 403, (username, refused)
        client.post("/admin/sign-out", data={"csrf_token": csrf_of(client.get("/admin/").get_data(as_text=True))})


def test_onecard_demo_prints_the_back_office_and_each_login(capsys, demo_chain, tmp_path):
    running = SimpleNamespace(chain=demo_chain, server_url="http://127.0.0.1:8000", root=tmp_path,
                              agent_url=lambda store: f"http://127.0.0.1:81{store}")
    _show_demo(running)
    out = capsys.readouterr().out
    assert "back office: http://127.0.0.1:8000/admin/" in out
    for username, role, _ in DEMO_STAFF:
        assert f"    {username} / {demo_chain.logins[username]}  ({role}:" in out


def test_the_hq_dashboard_shows_the_demo_year_without_a_scheduler(client, services, demo_chain):
    from datetime import timedelta

    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))
    client.post("/admin/sign-in", data={"username": "hq", "password": demo_chain.logins["hq"], "csrf_token": token})
    today = services.clock().date()
    page = client.get(f"/admin/dashboard?from={today - timedelta(days=365)}&to={today}").get_data(as_text=True)
    assert 'id="t-sales">€0.00<' not in page and 'id="t-sales">€' in page
