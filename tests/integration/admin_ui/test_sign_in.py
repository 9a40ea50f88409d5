"""Signing in to the back office: the API's login and throttle, the session cookie, idle timeout, sign-out."""

from __future__ import annotations

from sqlalchemy import select, update

from server.models import AuditRecord, StaffUser
from tests.integration.admin_ui.backoffice import csrf_of, page_token, sign_in
from tests.support.factories import PASSWORD


def actions(services, action: str) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_staff_sign_in_with_their_onecard_account_and_land_on_their_start_page(services, client, chain):
    response = sign_in(client, "member_service")
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    home = client.get("/admin/").get_data(as_text=True)
    assert "Find a member" in home
    assert "Promotions" not in home and "Audit log" not in home  # the menu shows what the role may open
    assert [r.actor for r in actions(services, "admin.signed_in")] == ["member-service"]


def test_the_session_cookie_is_http_only_same_site_lax_and_scoped_to_the_back_office(client, chain):
    response = sign_in(client, "hq")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("onecard_admin="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http here


def test_the_session_cookie_is_secure_when_the_page_came_over_https(app, chain):
    client = app.test_client()
    token = csrf_of(client.get("/admin/sign-in", base_url="https://backoffice.example").get_data(as_text=True))
    response = client.post("/admin/sign-in", base_url="https://backoffice.example",
                           data={"username": "hq", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("onecard_admin="))
    assert "Secure" in cookie


def test_a_wrong_password_is_refused_and_audited(services, client, chain):
    response = sign_in(client, "hq", password="not the password at all")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert [r.target for r in actions(services, "staff.login_failed")] == ["hq"]


def test_failed_sign_ins_count_against_the_same_limit_as_the_api_login(client, chain):
    for _ in range(3):  # the test settings allow 3 failures
        assert sign_in(client, "hq", password="wrong password!").status_code == 401
    locked = sign_in(client, "hq")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    api = client.post("/api/v1/auth/token", json={"username": "hq", "password": PASSWORD})
    assert api.status_code == 429


def test_thirty_minutes_without_activity_sign_the_user_out(client, clock, chain):
    sign_in(client, "marketing")
    clock.advance(minutes=29)
    assert client.get("/admin/promotions").status_code == 200  # activity: the idle time starts again
    clock.advance(minutes=29)
    assert client.get("/admin/promotions").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/admin/promotions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/sign-in?next=/admin/promotions?"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page


def test_sign_out_ends_the_session_and_is_audited(services, client, chain):
    sign_in(client, "admin")
    response = client.post("/admin/sign-out", data={"csrf_token": page_token(client)})
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/sign-in")
    assert client.get("/admin/audit").status_code == 302
    assert [r.actor for r in actions(services, "admin.signed_out")] == ["admin"]


def test_a_disabled_user_loses_the_back_office_at_the_next_click(services, client, chain):
    sign_in(client, "hq")
    with services.db.session() as session:
        session.execute(update(StaffUser).where(StaffUser.username == "hq").values(active=False))
        session.commit()
    assert client.get("/admin/sync-health").status_code == 302


def test_after_sign_in_the_user_goes_back_to_the_page_asked_for_but_never_to_another_site(client, chain):
    token = csrf_of(client.get("/admin/sign-in?next=/admin/segments").get_data(as_text=True))
    response = client.post("/admin/sign-in", data={"username": "marketing", "password": PASSWORD,
                                                   "csrf_token": token, "next": "/admin/segments"})
    assert response.headers["Location"] == "/admin/segments"
    client.post("/admin/sign-out", data={"csrf_token": page_token(client)})
    token = csrf_of(client.get("/admin/sign-in").get_data(as_text=True))
    response = client.post("/admin/sign-in", data={"username": "marketing", "password": PASSWORD,
                                                   "csrf_token": token, "next": "//evil.example/admin/"})
    assert response.headers["Location"] == "/admin/"


def test_the_api_is_untouched_by_the_back_office(client, chain):
    response = client.get("/api/v1/stores")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "Set-Cookie" not in response.headers
