"""Seed the demo chain: a staff login per role, stores, tills and VAT bands through the server's own
services, and the rest made by the chain generator (``server.demo.generator``) at a small size.

Two stores with one till each; a few hundred products; members with cards; a year of their
purchases (and anonymous ones), priced by the engine against the generator's promotions (a
percentage off produce, a 3-for-2 on snacks, double points on coffee, member prices on bakery,
and two targeted offers with held-out members, whose windows lie in that year; and two rewards
bought with points, a free coffee and a voucher, which no generated sale takes), with the points
they earned, redeemed and let expire; then the tier job's review and the report roll-ups (the demo
runs no scheduler). What the tills need is put on the change feed as the API would have. Then the
features the scripted day shows (``server.demo.features``): programme version 2 and five offers.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field

from sqlalchemy import update

from server.audit import Actor
from server.demo import generator
from server.demo.features import Features, seed_features
from server.jobs.context import install
from server.membership.jobs import run_tier_review
from server.membership.publishing import publish_program_if_changed
from server.models import Member, Product
from server.pricing.taxes import set_tax_class
from server.reports.rollups import run_rollups
from server.services import Services
from server.staff import create_staff_user
from server.staff_pins import set_pin
from server.terminals import create_store, register_terminal
from store_sync.pins import pin_problem
from store_sync.signing import TerminalCredential

STORES = (("A", "Berlin Mitte", "Europe/Berlin"), ("B", "Hamburg Hafen", "Europe/Berlin"))
# What each demo store's receipts print besides its name (made-up addresses and tax number).
RECEIPTS = {"A": {"address_lines": ["Beispielstrasse 1", "10115 Berlin"], "tax_number": "DE000000001",
                  "header_lines": ["Open 7-22, Mon-Sat"], "footer_lines": ["Returns within 30 days with this receipt"]},
            "B": {"address_lines": ["Hafenweg 2", "20457 Hamburg"], "tax_number": "DE000000001",
                  "header_lines": [], "footer_lines": ["Thank you for shopping at the harbour"]}}
MEMBER_NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra",
                "Barbara Liskov", "Donald Knuth", "Margaret Hamilton", "Tim Berners-Lee", "Frances Allen",
                "Ken Thompson", "Radia Perlman", "John Backus", "Hedy Lamarr", "Dennis Ritchie",
                "Sophie Wilson", "Niklaus Wirth", "Shafi Goldwasser", "Leslie Lamport", "Anita Borg")
SALES_PER_MEMBER = 60  # a year's sales in the chain per member (60 % of them members')

# One demo login per role: (username, role, what it is for). Passwords are made for each run.
DEMO_STAFF = (("admin", "admin", "operators: stores, tills, staff users, audit log; every page"),
              ("marketing", "marketing", "promotions, simulations, coupons, segments"),
              ("service", "member_service", "members, cards, points adjustments, approvals"),
              ("hq", "hq", "dashboard, reconciliation, sync health"),
              ("cashier", "cashier", "no back-office pages: the register's role"),
              ("manager", "manager", "approves voids and large refunds at the tills"))
# Who signs in at the demo's tills, with a till PIN made for each run: the tills ask for sign-in once
# the feed brings them a staff user with a PIN.
DEMO_PIN_HOLDERS = ("cashier", "manager")

# VAT bands of the demo chain (prices stay tax-inclusive, so the generated history's totals hold):
# fresh produce zero-rated, other food reduced, everything else at the standard rate.
TAX_CLASSES = (("standard", "Standard rate", 2000), ("reduced", "Reduced rate", 500), ("zero", "Zero rate", 0))
TAX_CLASS_OF = {"produce": "zero", "bakery": "reduced", "dairy": "reduced", "pasta": "reduced",
                "sauces": "reduced", "snacks": "reduced", "coffee": "reduced"}


@dataclass
class SeededChain:
    logins: dict[str, str]  # username -> password, one per DEMO_STAFF entry
    pins: dict[str, str] = field(default_factory=dict)  # username -> till PIN, one per DEMO_PIN_HOLDERS entry
    credentials: dict[str, TerminalCredential] = field(default_factory=dict)  # store code -> till credential
    members: list[dict] = field(default_factory=list)  # id, name, card, home_store, tier
    barcodes: dict[str, str] = field(default_factory=dict)  # sku -> barcode
    prices: dict[str, int] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    features: Features = field(default_factory=Features)

    @property
    def admin_password(self) -> str:
        return self.logins["admin"]


def seed_chain(services: Services, rng: random.Random, *, product_count: int = 300,
               member_count: int = 20) -> SeededChain:
    """Create the demo chain in an empty, migrated database, its history ending yesterday."""
    now, actor = services.clock(), Actor.system("demo")
    chain = SeededChain(logins={username: secrets.token_urlsafe(12) for username, _, _ in DEMO_STAFF},
                        pins=_pins(DEMO_PIN_HOLDERS))
    size = generator.Size(stores=len(STORES), tills=len(STORES), members=member_count, days=365,
                          sales=SALES_PER_MEMBER * member_count, products=product_count)
    with services.db.session() as session:
        for username, role, _ in DEMO_STAFF:
            create_staff_user(session, username, chain.logins[username], role, now, actor)
        for username, pin in chain.pins.items():
            set_pin(session, username, pin, now, actor)
        for code, name, rate_bp in TAX_CLASSES:
            set_tax_class(session, code, name, rate_bp, now)
        for code, name, zone in STORES:
            store = create_store(session, code, name, zone, now, actor, receipt=RECEIPTS[code])
            chain.credentials[code] = register_terminal(session, store, "T1", now, actor)[1]
        publish_program_if_changed(session, services.program, services.settings.currency, now)
        made = generator.seed_stores(session, [(code, zone, ["T1"]) for code, _, zone in STORES], size, now.date(),
                                     rng.randrange(2**32), services.program, services.settings.card_prefix,
                                     MEMBER_NAMES)
        for category, tax_class in TAX_CLASS_OF.items():
            session.execute(update(Product).where(Product.category == category).values(tax_class=tax_class))
        generator.publish(session, made, services.program, now)
        session.commit()
    with services.db.session() as session:
        chain.features = seed_features(session, services, made.products, now, actor)
        session.commit()
    install(services)  # the tier job runs on these services
    run_tier_review(now, is_review_date=True)
    run_rollups(now)  # the HQ dashboard and reports read the seeded year from these
    with services.db.session() as session:
        for member in made.members:
            tier = session.get(Member, uuid.UUID(member["id"])).tier
            chain.members.append({"id": member["id"], "name": member["name"], "card": member["card"],
                                  "home_store": made.stores[member["home"]][0], "tier": tier})
    for product in made.products:
        chain.barcodes[product["sku"]] = product["barcodes"][0]
        chain.prices[product["sku"]] = product["base_price_minor"]
        chain.categories[product["sku"]] = product["category"]
        chain.names[product["sku"]] = product["name"]
    return chain


def _pins(holders: tuple[str, ...]) -> dict[str, str]:
    """A different four-digit PIN for each holder, as a till accepts them."""
    pins: dict[str, str] = {}
    while len(pins) < len(holders):
        pin = f"{secrets.randbelow(10_000):04d}"
        if pin_problem(pin) is None and pin not in pins.values():
            pins[holders[len(pins)]] = pin
    return pins
