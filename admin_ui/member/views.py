"""The member's pages: sign-in by one-time code, the card, offers, activity, profile, own data."""

from __future__ import annotations

import json
import uuid

from flask import Response, g, redirect, render_template, request, url_for

from admin_ui.member import access
from admin_ui.member.blueprint import bp
from admin_ui.member.codes import ean13_svg, qr_svg
from server.api.context import db_session, services
from server.audit import Actor
from server.exceptions import NotFound, OneCardError
from server.membership.members import update_member
from server.membership.offers import clip_offer, personal_offers, unclip_offer
from server.membership.service_desk import export_member
from server.membership.sign_in import check_client_address, read_contact, redeem_code, request_code
from server.membership.statement import own_sale, recent_sales, statement
from server.messaging.channels import Channel, sender_for
from server.messaging.unsubscribe import read_token, unsubscribe
from server.partners.consent import CONSENT_TTL, new_consent_code
from server.pricing.catalogues import CATALOGUES

CONSENTS = (("marketing_email", "News and offers by e-mail"),
            ("marketing_sms", "News and offers by text message"),
            ("profiling", "Offers picked from what I buy"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if access.signed_in_member() is not None:
        return redirect(url_for("member.home"))
    if request.method == "GET":
        return render_template("member/sign_in.html")
    svc, session = services(), db_session()
    contact_text = request.form.get("contact", "")
    try:
        check_client_address(svc.counters, request.remote_addr, svc.settings.sign_in_codes_per_address, svc.clock())
        contact = read_contact(contact_text)
        challenge = request_code(session, contact, _Deferred(contact.channel), svc.settings.secret_key, svc.clock())
        session.commit()
    except OneCardError as exc:
        session.rollback()
        page = render_template("member/sign_in.html", error=exc.detail, contact=contact_text)
        retry = getattr(exc, "retry_after", None)
        return page, exc.status, ({"Retry-After": str(retry)} if retry else {})
    access.start_over(challenge=str(challenge.code_id), via=challenge.channel.value)
    return redirect(url_for("member.code"))


class _Deferred:
    """Builds the channel's sender only when a code is really sent (an unknown address sends nothing)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def send(self, to: str, subject: str, text: str) -> None:
        sender_for(self.channel, services().settings).send(to, subject, text)


@bp.route("/code", methods=["GET", "POST"])
def code():
    data = access.session()
    if "challenge" not in data:
        return redirect(url_for("member.sign_in"))
    if request.method == "GET":
        return render_template("member/code.html", via=data.get("via"))
    svc, session = services(), db_session()
    member_id = redeem_code(session, uuid.UUID(data["challenge"]), request.form.get("code", ""),
                            svc.settings.secret_key, svc.clock())
    session.commit()
    if member_id is None:
        return render_template("member/code.html", via=data.get("via"),
                               error="That code is not right, or no longer works. Check the newest "
                                     "message, or ask for a new code."), 422
    access.start_over(member=str(member_id))
    return redirect(url_for("member.home"))


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    access.start_over()
    access.notice("info", "You are signed out.")
    return redirect(url_for("member.sign_in"))


@bp.route("/")
@access.member_page
def home():
    svc = services()
    shown = statement(db_session(), g.member, svc.program, svc.clock())
    codes = (ean13_svg(shown.card_number), qr_svg(shown.card_number)) if shown.card_number else None
    tiers = svc.program.tiers
    return render_template("member/card.html", statement=shown, codes=codes, basis=tiers.basis.value,
                           window_days=tiers.window.days)


@bp.route("/offers")
@access.member_page
def offers():
    session = db_session()
    found = personal_offers(session, g.member, CATALOGUES.live(session), services().clock())
    return render_template("member/offers.html", offers=found)


@bp.route("/offers/<promotion_id>/<any(clip, unclip):action>", methods=["POST"])
@access.member_page
def clip(promotion_id: str, action: str):
    svc, session = services(), db_session()
    change = clip_offer if action == "clip" else unclip_offer
    try:
        offer = change(session, g.member, promotion_id, CATALOGUES.live(session), svc.program, svc.clock())
        session.commit()
    except NotFound:
        session.rollback()
        access.notice("error", "That offer has ended or is not one of yours.")
        return redirect(url_for("member.offers"))
    access.notice("success", f"“{offer.label}” is on your card: it applies at the till when you show it."
                  if offer.clipped else f"“{offer.label}” is off your card.")
    return redirect(url_for("member.offers"))


@bp.route("/activity")
@access.member_page
def activity():
    return render_template("member/activity.html", sales=recent_sales(db_session(), g.member))


@bp.route("/activity/<sale_id>")
@access.member_page
def sale(sale_id: str):
    return render_template("member/sale.html", sale=own_sale(db_session(), g.member, sale_id))


@bp.route("/profile", methods=["GET", "POST"])
@access.member_page
def profile():
    if request.method == "POST":
        svc, session = services(), db_session()
        chosen = {key: request.form.get(key) == "on" for key, _ in CONSENTS}
        update_member(session, g.member, {"consents": chosen}, svc.program, svc.clock(),
                      Actor.member(str(g.member.id)))
        session.commit()
        access.notice("success", "Your choices are saved.")
        return redirect(url_for("member.profile"))
    return render_template("member/profile.html", consents=CONSENTS)


@bp.route("/data.json")
@access.member_page
def own_data():
    """Everything held about the member, as the service desk's export makes it (and audits it)."""
    svc, session = services(), db_session()
    data = export_member(session, g.member, svc.clock(), Actor.member(str(g.member.id)))
    session.commit()
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="onecard-my-data.json"'})


@bp.route("/partner-code", methods=["POST"])
@access.member_page
def partner_code():
    """A code to give a partner merchant so it may take points once (the member's consent, now)."""
    svc, session = services(), db_session()
    shown = new_consent_code(session, g.member.id, svc.settings.secret_key, svc.clock())
    session.commit()
    return render_template("member/partner_code.html", shown=shown,
                           minutes=int(CONSENT_TTL.total_seconds() // 60))


STOPPED = {Channel.EMAIL: "offers by e-mail", Channel.SMS: "offers by text message"}


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_link(token: str):
    """The link in a notice: asks first (a mail scanner fetching the link must not unsubscribe),
    then turns that consent off and says so. No sign-in: the signed token is the authority.
    A mail client's one-click POST (RFC 8058, the message's ``List-Unsubscribe-Post``) skips the
    question and its CSRF token (``access.one_click_unsubscribe``) and turns it off the same way."""
    svc, session = services(), db_session()
    if request.method == "GET":
        _member_id, channel = read_token(svc.settings.secret_key, token)
        return render_template("member/unsubscribe.html", what=STOPPED[channel], done=False)
    _member, channel = unsubscribe(session, svc.settings.secret_key, token, svc.program, svc.clock())
    session.commit()
    return render_template("member/unsubscribe.html", what=STOPPED[channel], done=True)
