"""Small builders for test data, going through the same services the CLI and API use."""

from __future__ import annotations

from server.audit import Actor
from server.membership.publishing import publish_program_if_changed
from server.staff import create_staff_user
from server.terminals import create_store, register_terminal
from store_sync.signing import TerminalCredential

PASSWORD = "correct horse battery staple"


def make_staff(services, username: str, role: str, password: str = PASSWORD) -> None:
    with services.db.session() as session:
        create_staff_user(session, username, password, role, services.clock(), Actor.system("test"))
        session.commit()


def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def make_terminal(services, store: str, terminal: str, timezone: str = "Europe/Berlin"
                  ) -> TerminalCredential:
    with services.db.session() as session:
        from sqlalchemy import select

        from server.models import Store

        existing = session.scalar(select(Store).where(Store.code == store))
        store_row = existing or create_store(session, store, f"Store {store}", timezone,
                                             services.clock(), Actor.system("test"))
        _, credential = register_terminal(session, store_row, terminal, services.clock(),
                                          Actor.system("test"))
        publish_program_if_changed(session, services.program, services.settings.currency, services.clock())
        session.commit()
    return credential


def seed_member(services, points: int, name: str) -> tuple[str, str]:
    """Enrol a member with a card and an opening balance; returns (member id, card number)."""
    from server.membership.members import Enrolment, enrol
    from server.membership.service_desk import adjust_points

    now = services.clock()
    with services.db.session() as session:
        member, card = enrol(session, Enrolment(name=name), services.program, now, Actor.system("test"))
        if points:
            adjust_points(session, member.id, f"seed-{member.id}", points, "opening balance",
                          services.program, now, Actor.system("test"))
        session.commit()
        return str(member.id), card.number
