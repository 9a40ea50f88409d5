"""The programme pages: any staff role reads the versions, marketing makes a new one through the form
(checked by the programme's own rules, shown beside the fields), and the API then serves it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import func, select

from server.models import AuditRecord, ChangeRecord, ProgrammeVersionRecord
from tests.integration.admin_ui.backoffice import sign_in
from tests.support.factories import login


class FormFields(HTMLParser):
    """What a browser would send from the page's programme form, as (name, value) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("class") == "builder":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            else:
                self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a["value"]))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.pairs.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.pairs.pop()
            self.pairs.append((name, text + data))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_of(client) -> dict[str, list[str]]:
    page = client.get("/admin/programme/new")
    assert page.status_code == 200
    parser = FormFields()
    parser.feed(page.get_data(as_text=True))
    fields: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        fields.setdefault(name, []).append(value)
    return fields


def review_and_save(client, fields: dict):
    """Press Review, check what it says, then Save: as a person does (returns the review page and the answer)."""
    review = client.post("/admin/programme/new", data=fields)
    page = review.get_data(as_text=True)
    assert review.status_code == 200, page
    reviewed = re.search(r'name="reviewed" value="([^"]+)"', page).group(1)
    return page, client.post("/admin/programme/new", data={**fields, "action": ["save"], "reviewed": [reviewed]})


def versions(services) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(ProgrammeVersionRecord)) or 0


def test_every_role_reads_the_version_in_force_in_words(client, chain):
    sign_in(client, "cashier")
    page = client.get("/admin/programme").get_data(as_text=True)
    assert "In force now: version 1" in page
    assert "1 point per €1.00 paid, rounded down per sale" in page
    assert "100 points pay €1.00" in page and "Tier gold" in page and "from €1,500.00, points ×1.5" in page
    assert "Make a new version" not in page
    assert client.get("/admin/programme/versions/1").status_code == 200


def test_a_cashier_cannot_reach_the_form_and_a_refusal_is_audited(services, client, chain):
    sign_in(client, "cashier")
    assert client.get("/admin/programme/new").status_code == 403
    assert client.post("/admin/programme/new", data={"csrf_token": "x"}).status_code == 400
    with services.db.session() as session:
        refused = session.scalars(select(AuditRecord.target).where(AuditRecord.action == "admin.refused")).all()
    assert "GET /admin/programme/new" in refused


def test_marketing_makes_a_version_from_the_prefilled_form_and_the_api_serves_it(services, client, chain):
    sign_in(client, "marketing")
    fields = form_of(client)
    assert (fields["earn_per"], fields["max_share"], fields["tier_threshold_2"]) == (["1.00"], ["50"], ["1500.00"])
    fields |= {"earn_per": ["10.00"], "tier_name_3": ["platinum"], "tier_threshold_3": ["5000"],
               "tier_multiplier_3": ["2"], "tier_benefits_3": ["free delivery; birthday gift"],
               "max_share": ["40"]}
    fields["tenders"] = ["card", "cash"]
    review, answer = review_and_save(client, fields)
    assert "What version 2 changes from version 1" in review
    assert "Base earning: 1 point per €1.00 paid, rounded down per sale → 1 point per €10.00 paid" in review
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/programme/versions/2"
    page = client.get("/admin/programme/versions/2").get_data(as_text=True)
    assert "Version 2 is saved: in force now" in page
    assert "Base earning: 1 point per €1.00 paid, rounded down per sale → 1 point per €10.00 paid" in page
    assert "Tier platinum: added, from €5,000.00, points ×2; free delivery; birthday gift" in page
    assert "Most of a basket points may pay: 50 % → 40 %" in page
    assert "Tenders that may pay beside points: card, cash, voucher → card, cash" in page
    shown = client.get("/api/v1/programme", headers=login(client, "marketing")).json
    assert shown["current"]["number"] == 2
    body = shown["current"]["programme"]
    assert body["earning"]["per_amount_minor"] == 1000 and body["redemption"]["max_share"] == "2/5"
    assert body["tiers"]["levels"][3] == {"name": "platinum", "threshold": 500_000, "multiplier": "2",
                                          "benefits": ["free delivery", "birthday gift"]}
    published = _programme_on_the_feed(services)  # what a till reads: every version, with its effective time
    assert [v["number"] for v in published["versions"]] == [1, 2]
    assert published["versions"][1]["programme"]["earning"]["per_amount_minor"] == 1000
    with services.db.session() as session:
        audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "programme.version.create")).one()
    assert (audit.actor, audit.target) == ("marketing", "2")


def test_invalid_values_are_shown_beside_their_fields_in_money_and_nothing_is_saved(services, client, chain):
    sign_in(client, "marketing")
    fields = form_of(client)
    fields |= {"earn_points": ["5"], "earn_per": ["0.01"], "tier_threshold_1": ["2000.00"],
               "tier_threshold_2": ["1500.00"], "value_points": ["3"], "value_amount": ["0.01"],
               "expiry_zone": ["Mars/Olympus"]}
    answer = client.post("/admin/programme/new", data=fields)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "nothing was saved" in page
    assert 'id="g-earn_points-error">Points earned: at most one point per EUR 0.01 paid.' in page
    assert "On the calendar of: must be an IANA time zone" in page
    assert "Tiers: thresholds must rise strictly from 0." in page
    assert "a whole amount of money (to the EUR 0.01) when 3 points pay EUR 0.01" in page
    assert 'value="Mars/Olympus"' in page  # what was typed stays in the form
    unreadable = client.post("/admin/programme/new", data={**fields, "earn_per": ["ten"], "max_share": ["half"]})
    page = unreadable.get_data(as_text=True)
    assert unreadable.status_code == 422
    assert "Per amount paid: write an amount in EUR, e.g. 2.50." in page
    assert "Most of a basket points may pay (%): write a percentage such as 50" in page
    assert versions(services) == 1


def test_a_version_in_the_past_is_refused_and_a_scheduled_one_is_listed(services, client, chain):
    sign_in(client, "marketing")
    fields = form_of(client)
    past = client.post("/admin/programme/new", data={**fields, "effective_from": ["2020-01-01T00:00"]})
    assert past.status_code == 422 and "Takes effect (UTC): must not be before now." in past.get_data(as_text=True)
    later = (services.clock().replace(year=services.clock().year + 1)).strftime("%Y-%m-%dT%H:%M")
    _review, made = review_and_save(client, {**fields, "effective_from": [later], "offline_cap_points": ["500"]})
    assert made.status_code == 302
    listing = client.get("/admin/programme").get_data(as_text=True)
    assert "In force now: version 1" in listing and "Scheduled:" in listing
    assert "Offline allowance: 2,000 points per member per till in 24 hours → 500 points" in listing
    csv = client.get("/admin/programme?format=csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "Version,In force from,State,Made by,Made,What it changed"
    assert ",scheduled,marketing," in csv and "\n1,2000-01-01T00:00:00+00:00,in force," in csv
    compare = client.get("/admin/programme/compare?from=2&to=1").get_data(as_text=True)
    assert "Offline allowance: 500 points per member per till in 24 hours → 2,000 points" in compare


def test_a_save_of_anything_but_the_reviewed_version_is_reviewed_again(services, client, chain):
    sign_in(client, "marketing")
    fields = form_of(client)
    review = client.post("/admin/programme/new", data=fields).get_data(as_text=True)
    assert "Nothing: it says the same as version 1." in review
    reviewed = re.search(r'name="reviewed" value="([^"]+)"', review).group(1)
    changed = client.post("/admin/programme/new", data={**fields, "earn_points": ["2"], "action": ["save"],
                                                        "reviewed": [reviewed]})
    page = changed.get_data(as_text=True)
    assert changed.status_code == 200 and "Base earning: 1 point per €1.00 paid" in page and versions(services) == 1


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(services, client, chain):
    sign_in(client, "marketing")
    fields = form_of(client)
    del fields["csrf_token"]
    assert client.post("/admin/programme/new", data=fields).status_code == 400
    assert versions(services) == 1


def _programme_on_the_feed(services) -> dict:
    with services.db.session() as session:
        return session.scalars(select(ChangeRecord.payload).where(ChangeRecord.entity_type == "program")
                               .order_by(ChangeRecord.order_key.desc())).first()
