"""Seed a demo chain through the public API (the same validation and feed publishing as real use).

Two stores with one till each, a few hundred products, members with cards and points, a year of
purchase history at shelf prices that the tier job turns into silver and gold members, and then
today's member prices and promotions, including a bundle and an offer targeted at gold members.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from server.app import create_app
from server.audit import Actor
from server.demo.catalogue import products
from server.membership.jobs import run_tier_review
from server.membership.publishing import publish_program_if_changed
from server.reports.rollups import run_rollups
from server.services import Services
from server.staff import create_staff_user
from server.terminals import create_store, register_terminal
from store_sync.signing import TerminalCredential

STORES = (("A", "Berlin Mitte", "Europe/Berlin"), ("B", "Hamburg Hafen", "Europe/Berlin"))
MEMBER_NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra",
                "Barbara Liskov", "Donald Knuth", "Margaret Hamilton", "Tim Berners-Lee", "Frances Allen",
                "Ken Thompson", "Radia Perlman", "John Backus", "Hedy Lamarr", "Dennis Ritchie",
                "Sophie Wilson", "Niklaus Wirth", "Shafi Goldwasser", "Leslie Lamport", "Anita Borg")


# One demo login per role: (username, role, what it is for). Passwords are made for each run.
DEMO_STAFF = (("admin", "admin", "operators: stores, tills, staff users, audit log; every page"),
              ("marketing", "marketing", "promotions, simulations, coupons, segments"),
              ("service", "member_service", "members, cards, points adjustments, approvals"),
              ("hq", "hq", "dashboard, reconciliation, sync health"),
              ("cashier", "cashier", "no back-office pages: the register's role"))


@dataclass
class SeededChain:
    logins: dict[str, str]  # username -> password, one per DEMO_STAFF entry
    credentials: dict[str, TerminalCredential] = field(default_factory=dict)  # store code -> till credential
    members: list[dict] = field(default_factory=list)  # id, name, card, tier
    barcodes: dict[str, str] = field(default_factory=dict)  # sku -> barcode
    prices: dict[str, int] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    @property
    def admin_password(self) -> str:
        return self.logins["admin"]


class SeedError(RuntimeError):
    pass


def _ok(response, what: str) -> dict:
    if response.status_code >= 300:
        raise SeedError(f"seeding {what} failed: {response.status_code} {response.get_json()}")
    return response.get_json()


def seed_chain(services: Services, rng: random.Random, *, product_count: int = 300,
               member_count: int = 20) -> SeededChain:
    """Create the demo chain in an empty, migrated database."""
    now = services.clock()
    chain = SeededChain(logins={username: secrets.token_urlsafe(12) for username, _, _ in DEMO_STAFF})
    with services.db.session() as session:
        for username, role, _ in DEMO_STAFF:
            create_staff_user(session, username, chain.logins[username], role, now, Actor.system("demo"))
        for code, name, zone in STORES:
            store = create_store(session, code, name, zone, now, Actor.system("demo"))
            chain.credentials[code] = register_terminal(session, store, "T1", now, Actor.system("demo"))[1]
        publish_program_if_changed(session, services.program, services.settings.currency, now)
        session.commit()
    client = create_app(services=services).test_client()
    token = _ok(client.post("/api/v1/auth/token", json={"username": "admin", "password": chain.admin_password}),
                "login")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    _seed_tax_classes(client, headers)
    _seed_products(client, headers, chain, rng, product_count)
    _seed_members(client, headers, chain, rng, member_count)
    # The year before today's member prices and promotions: bought at shelf prices, and posted
    # before those exist, so the server prices each past sale as its lines say.
    _seed_history(services, chain, rng)
    _seed_promotions(client, headers, chain)
    run_tier_review(now, is_review_date=True)
    run_rollups(now)  # the demo runs no scheduler: the HQ dashboard and reports read the seeded year from these
    for member in chain.members:
        member["tier"] = _ok(client.get(f"/api/v1/members/{member['id']}", headers=headers), "member")["tier"]
    return chain


# VAT bands of the demo chain (prices stay tax-inclusive): fresh produce zero-rated, other food
# reduced, everything else (drinks, wine, household, tobacco) at the standard rate.
TAX_CLASSES = (("standard", "Standard rate", 2000), ("reduced", "Reduced rate", 500), ("zero", "Zero rate", 0))
TAX_CLASS_OF = {"produce": "zero", "bakery": "reduced", "dairy": "reduced", "pasta": "reduced",
                "sauces": "reduced", "snacks": "reduced", "coffee": "reduced"}


def _seed_tax_classes(client, headers) -> None:
    for code, name, rate_bp in TAX_CLASSES:
        _ok(client.put(f"/api/v1/tax-classes/{code}", headers=headers, json={"name": name, "rate_bp": rate_bp}),
            f"tax class {code}")


def _seed_products(client, headers, chain: SeededChain, rng: random.Random, count: int) -> None:
    items = [{**item, "tax_class": TAX_CLASS_OF.get(item["category"], "standard")} for item in products(count, rng)]
    _ok(client.post("/api/v1/products/bulk", json={"items": items}, headers=headers), "products")
    for item in items:
        chain.barcodes[item["sku"]] = item["barcodes"][0]
        chain.prices[item["sku"]] = item["base_price_minor"]
        chain.categories[item["sku"]] = item["category"]


def _skus(chain: SeededChain, category: str) -> list[str]:
    return [sku for sku in chain.prices if sku.startswith(category[:3].upper())]


def _scope(skus=(), categories=()) -> dict:
    return {"skus": list(skus), "categories": list(categories), "whole_basket": False}


def _seed_promotions(client, headers, chain: SeededChain) -> None:
    coffee = _skus(chain, "coffee")[:4]
    member_prices = [{"sku": sku, "price_minor": chain.prices[sku] * 85 // 100} for sku in coffee]
    _ok(client.post("/api/v1/price-lists", headers=headers, json={
        "label": "Member price", "prices": member_prices, "state": "active"}), "price list")
    pasta, sauces = _skus(chain, "pasta")[:3], _skus(chain, "sauces")[:3]
    promotions = [
        {"label": "Bundle: pasta + sauce 4.99", "rule": {"kind": "bundle", "price_minor": 499, "components": [
            {"scope": _scope(skus=pasta), "qty": 1}, {"scope": _scope(skus=sauces), "qty": 1}]}},
        {"label": "3 for 2 — Snacks", "rule": {"kind": "multi_buy", "buy": 2, "get": 1,
                                               "scope": _scope(categories=["snacks"])}},
        {"label": "Gold: 10% off wine", "rule": {"kind": "percent_off", "percent_bp": 1000,
                                                 "scope": _scope(categories=["wine"])},
         "targeting": {"members_only": True, "tiers": ["gold"]}},
        {"label": "Spend 50, save 5", "rule": {"kind": "spend_threshold", "tiers": [
            {"min_spend_minor": 5000, "amount_off_minor": 500}]}},
        {"label": "Double points on produce", "rule": {"kind": "bonus_points", "extra_bp": 10_000,
                                                       "scope": _scope(categories=["produce"])}},
    ]
    for promotion in promotions:
        _ok(client.post("/api/v1/promotions", headers=headers, json={**promotion, "state": "active"}),
            promotion["label"])


def _seed_members(client, headers, chain: SeededChain, rng: random.Random, count: int) -> None:
    for n in range(count):
        name = MEMBER_NAMES[n % len(MEMBER_NAMES)] + ("" if n < len(MEMBER_NAMES) else f" {n}")
        home = STORES[n % len(STORES)][0]
        member = _ok(client.post("/api/v1/members", headers=headers, json={
            "name": name, "email": f"member{n}@example.org", "home_store": home,
            "consents": {"marketing_email": n % 3 == 0}}), f"member {name}")
        points = rng.choice((0, 600, 1200, 2500, 4000))
        if points:
            _ok(client.post(f"/api/v1/members/{member['id']}/adjustments", headers=headers, json={
                "id": f"welcome-{member['id']}", "points": points, "reason": "welcome bonus (demo)"}), "points")
        chain.members.append({"id": member["id"], "name": name, "card": member["card"]["number"],
                              "home_store": home})


def _seed_history(services: Services, chain: SeededChain, rng: random.Random) -> None:
    """A year of past purchases at shelf prices, posted like any sale, so tiers come from spend as in
    real life. Posted before the promotions exist: the server prices a sale with the promotions it
    has when the sale arrives (no till cursor here), so a later promotion would flag these lines."""
    from server.membership.posting import PostTransaction, post_transaction

    now = services.clock()
    skus = list(chain.prices)
    with services.db.session() as session:
        for n, member in enumerate(chain.members):
            visits = (2, 8, 30)[n % 3]  # light, regular and heavy shoppers
            for visit in range(visits):
                lines = [{"line_id": str(i), "sku": sku, "qty": 1, "paid_minor": chain.prices[sku],
                          "category": chain.categories[sku], "excluded": False}
                         for i, sku in enumerate(rng.sample(skus, 8), start=1)]
                total = sum(line["paid_minor"] for line in lines)
                at = now - timedelta(days=360 - visit * 11)
                tenders = ({"kind": "card", "amount_minor": total, "points": 0},)
                sale_id = str(uuid.uuid4())
                # Kept as a till would have posted it: segments and returns read the lines from it.
                raw = {"id": sale_id, "kind": "sale", "store": member["home_store"], "terminal": "T1",
                       "at": at.isoformat(), "lines": lines, "tenders": list(tenders), "card_number": member["card"],
                       "history": True}
                # Posted as it would have been on the day, so it is not flagged as arriving late.
                post_transaction(session, PostTransaction.from_body(raw), services.program, at)
        session.commit()
