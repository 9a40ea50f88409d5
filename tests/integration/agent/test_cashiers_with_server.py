"""Cashiers end to end over HTTP: a PIN set on the server signs a cashier in at the till, their id
reaches the server on the sale, the till's events are kept there, and disabling the user withdraws
the PIN from the till."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyalty.cards import CardNumberScheme
from pos_agent.checkout.service import Till
from pos_agent.exceptions import SignInRequired, UnknownStaff
from pos_agent.link.http import HttpServerLink
from pos_agent.runtime import Agent, Timing
from server.audit import Actor
from server.models import AuditRecord, PostedTransaction, TillEvent
from server.staff import disable_staff_user
from server.staff_pins import set_pin
from tests.integration.agent.catalogue import STORE
from tests.integration.agent.live import wait_until
from tests.support.factories import make_staff, make_terminal

QUICK = Timing(sync_interval=0.2, probe_interval=0.1, backoff_base=0.05, backoff_cap=0.5)
BREAD = "4006381333931"


def test_a_pin_set_on_the_server_signs_in_at_the_till_and_the_cashier_reaches_the_server(live_server, tmp_path):
    services = live_server.services
    make_staff(services, "mia", "cashier")
    with services.db.session() as session:
        mia = set_pin(session, "mia", "4821", services.clock(), Actor.system("test")).id
        session.commit()
    agent = Agent.open(tmp_path / "agent", HttpServerLink(make_terminal(services, STORE, "T1"), live_server.url),
                       Till(STORE, "T1"), timing=QUICK)
    agent.start()
    try:
        wait_until(lambda: agent.mode.online and agent.cashiers.staff(), what="the till has its cashier")
        agent.cashiers.sign_in(str(mia), "4821")
        basket = agent.checkout.open_basket()["id"]
        agent.checkout.add_item(basket, BREAD)
        agent.checkout.add_tender(basket, "cash")
        sale_id = agent.checkout.complete(basket)["receipt_id"]
        agent.checkout.enrol("Ada Lovelace", CardNumberScheme("27").number_for(5005))

        def kept():
            with services.db.session() as session:
                sale = session.get(PostedTransaction, sale_id)
                kinds = session.scalars(select(TillEvent.kind)).all()
                return (sale.cashier_id, kinds) if sale else None

        def enrolled_by():
            with services.db.session() as session:
                return session.scalars(select(AuditRecord.actor).where(AuditRecord.action == "member.enrolled")).all()

        wait_until(lambda: kept() and enrolled_by(), what="the sale, the sign-in and the enrolment on the server")
        assert kept() == (str(mia), ["sign_in"])
        assert enrolled_by() == [f"{STORE}/T1 cashier {mia}"]
        with services.db.session() as session:
            disable_staff_user(session, "mia", services.clock(), Actor.system("test"))
            session.commit()
        wait_until(lambda: not agent.cashiers.staff(), what="the till forgot the disabled user")
        with pytest.raises(SignInRequired):  # signed in before: the till lets them go at once
            agent.checkout.open_basket()
        with pytest.raises(UnknownStaff):
            agent.cashiers.sign_in(str(mia), "4821")
    finally:
        agent.stop()
