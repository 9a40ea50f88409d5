"""Signing in with a one-time code: by e-mail through a real SMTP server, by SMS through a local gateway."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.membership.sign_in import CODES_PER_WINDOW, MAX_ATTEMPTS
from server.models import SignInCode
from tests.integration.member_page.pages import ask_code, enter_code, join, post_form


def test_a_code_sent_by_mail_signs_the_member_in_once(client, desk, mailbox, services):
    member_id, card = join(client, desk)
    assert client.get("/me/").location.endswith("/me/sign-in")
    assert ask_code(client, "Ada@Example.org").location.endswith("/me/code")
    code = mailbox.code_for("ada@example.org")
    assert mailbox.messages[-1]["Subject"] == "Your OneCard sign-in code"
    with services.db.session() as session:
        row = session.scalars(select(SignInCode).where(SignInCode.member_id == uuid.UUID(member_id))).one()
        assert code not in row.code_hash and len(row.code_hash) == 64  # kept hashed, never in clear

    response = enter_code(client, code)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/me" in cookie
    page = client.get("/me/")
    assert page.status_code == 200 and card in page.text and "Ada Lovelace" in page.text

    post_form(client, "/me/sign-out", "/me/profile")
    ask_code(client, "ada@example.org")  # a new challenge; the old code is used up
    assert enter_code(client, code).status_code == 422


def test_a_code_expires_and_dies_after_too_many_wrong_guesses(client, desk, mailbox, clock):
    join(client, desk)
    ask_code(client, "ada@example.org")
    code = mailbox.code_for("ada@example.org")
    clock.advance(minutes=11)
    assert enter_code(client, code).status_code == 422

    ask_code(client, "ada@example.org")
    code = mailbox.code_for("ada@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_ATTEMPTS):
        assert enter_code(client, wrong).status_code == 422
    assert enter_code(client, code).status_code == 422  # the right code, too late
    assert client.get("/me/").status_code == 302


def test_codes_are_rate_limited_per_member(client, desk, mailbox, clock):
    join(client, desk)
    for _ in range(CODES_PER_WINDOW):
        assert ask_code(client, "ada@example.org").status_code == 302
    refused = ask_code(client, "ada@example.org")
    assert refused.status_code == 429 and "ask again later" in refused.text
    assert len(mailbox.messages) == CODES_PER_WINDOW
    clock.advance(minutes=16)
    assert ask_code(client, "ada@example.org").status_code == 302


def test_an_unknown_address_looks_the_same_and_gets_nothing(client, desk, mailbox):
    join(client, desk)
    response = ask_code(client, "eve@example.org")
    assert response.status_code == 302 and response.location.endswith("/me/code")
    assert mailbox.messages == []
    assert enter_code(client, "123456").status_code == 422


def test_a_code_by_text_message_goes_through_the_gateway(client, desk, sms_gateway, mailbox):
    _, card = join(client, desk)
    assert ask_code(client, "+44 20 7946 0958").status_code == 302
    [sent] = sms_gateway.received
    assert sent["to"] == "+442079460958" and "sign-in code" in sent["text"]
    code = sent["text"].split(": ", 1)[1].split()[0]
    assert enter_code(client, code).status_code == 302
    assert card in client.get("/me/").text
    assert mailbox.messages == []


def test_a_refusing_gateway_is_said_plainly_and_leaves_no_code(client, desk, sms_gateway, services):
    join(client, desk)
    sms_gateway.refuse = True
    response = ask_code(client, "+442079460958")
    assert response.status_code == 503 and "SMS gateway refused" in response.text
    with services.db.session() as session:
        assert session.scalars(select(SignInCode)).all() == []


def test_a_form_without_the_csrf_token_is_refused(client, desk, mailbox):
    join(client, desk)
    client.get("/me/sign-in")
    response = client.post("/me/sign-in", data={"contact": "ada@example.org"})
    assert response.status_code == 400 and mailbox.messages == []
