"""The scripted day shows each seeded feature (``server.demo.features``) applying on a till, in a line.

Online at till A: programme version 2 (a redemption below version 1's minimum), the earning rule, the
scoped threshold, the per-basket cap, the buy X get Y, VAT per rate and the first uses of the
chain-wide cap, each reserved at the server. Offline at till B: the cap's offline allowance, then the
shelf price. After the link returns, at A: the cap's last use, then the shelf price. Each line states
what the till's receipt says; a feature that gave nothing makes the day fail.
"""

from __future__ import annotations

from server.demo.features import CAP_OFFLINE, CAP_USES, V2_MINIMUM_POINTS
from server.demo.runner import Demo
from server.demo.till_calls import Ledger, TillError, till_post

# Rewards bought with points are shown by the trading day itself (trading_day._take_reward), after
# these, at till A online.


def money(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def ring(demo: Demo, store: str, skus: list[str], card: str | None = None, redeem: int = 0) -> dict:
    """One sale at ``store``'s till, paid by card; when the server will not reserve a capped offer, the
    till prices the basket without it and the card pays the rest (``refused`` is then True)."""
    basket = till_post(demo, store, "/baskets")["id"]
    for sku in skus:
        till_post(demo, store, f"/baskets/{basket}/items", {"code": demo.chain.barcodes[sku]})
    if card:
        till_post(demo, store, f"/baskets/{basket}/member", {"card_number": card})
    if redeem:
        till_post(demo, store, f"/baskets/{basket}/redemption", {"points": redeem})
    till_post(demo, store, f"/baskets/{basket}/tenders", {"kind": "card"})
    try:
        return {**till_post(demo, store, f"/baskets/{basket}/complete"), "refused": False}
    except TillError as exc:
        if not str(exc.problem.get("type", "")).endswith("/offer-refused"):
            raise
    till_post(demo, store, f"/baskets/{basket}/tenders", {"kind": "card"})
    return {**till_post(demo, store, f"/baskets/{basket}/complete"), "refused": True}


def given(sale: dict, label: str) -> int:
    """What the promotion labelled ``label`` took off the sale."""
    return sum(d["amount"] for line in sale["lines"] for d in line["discounts"] if d["label"] == label)


def vat(sale: dict) -> str:
    """The sale's tax per rate with any tax: '5%: 0.24, 20%: 2.50' (the demo's rates are whole percents)."""
    rates = [r for r in sale["tax"]["rates"] if r["tax"]]
    return ", ".join(f"{r['rate_bp'] // 100}%: {money(r['tax'])}" for r in rates) or "none"


def show_online(demo: Demo, say, ledger: Ledger, member: dict) -> bool:
    """At till A, online: each feature once (the day fails if one gives nothing)."""
    chain, f = demo.chain, demo.chain.features
    ok = True

    def sold(sale: dict, card_owner: dict | None = None) -> dict:
        ledger.record("A", card_owner["id"] if card_owner else None, sale["points"]["to_earn"],
                      sale["points"]["redeemed"])
        return sale

    say("new in the programme and the offers, at till A (online):")
    wines = sorted((s for s in chain.prices if chain.categories[s] == "wine"), key=chain.prices.get)[-2:]
    sale = sold(ring(demo, "A", wines, member["card"], V2_MINIMUM_POINTS), member)
    ok &= sale["points"]["redeemed"] == V2_MINIMUM_POINTS
    say(f"  programme version 2: {member['name']} pays {sale['points']['redeemed']} points "
        f"({money(sale['points']['redeemed_value'])}) at A; version 1's minimum was 500")
    say(f"  tax classes: VAT on that receipt, per rate: {vat(sale)}")
    sale = sold(ring(demo, "A", f.skus["earning"], member["card"]), member)
    rule = [row.strip() for row in sale["receipt_text"].splitlines() if f.labels["earning"] in row]
    ok &= bool(rule)
    say(f"  earning rule on the receipt: {rule[0] if rule else 'NOT APPLIED'} "
        f"({sale['points']['to_earn']} points in all)")
    for name, what in (("threshold", "off the snacks only"), ("capped", "off the household lines"),
                       ("buy_get", "off the sauce")):
        sale = sold(ring(demo, "A", f.skus[name]))
        amount = given(sale, f.labels[name])
        ok &= amount > 0
        say(f"  '{f.labels[name]}': {money(amount)} {what} (basket {money(sale['total'])})"
            + ("" if amount else " NOT APPLIED"))
    uses = [given(sold(ring(demo, "A", f.skus["chain_cap"])), f.labels["chain_cap"]) for _ in range(2)]
    ok &= all(uses)
    say(f"  chain-wide cap '{f.labels['chain_cap']}': uses 1 and 2 of {CAP_USES}, each reserved at the "
        f"server before the sale completed ({', '.join(money(u) for u in uses)} off)")
    return ok


def show_offline(demo: Demo, say, ledger: Ledger) -> bool:
    """At till B, offline: the capped offer within the till's offline allowance, then not."""
    f, label = demo.chain.features, demo.chain.features.labels["chain_cap"]
    sales = [ring(demo, "B", f.skus["chain_cap"]) for _ in range(CAP_OFFLINE + 1)]
    for _ in sales:
        ledger.record("B", None, 0, 0)
    amounts = [given(sale, label) for sale in sales]
    say(f"  chain-wide cap offline: B gives '{label}' to {sum(1 for a in amounts if a)} customer(s) (its offline "
        f"allowance is {CAP_OFFLINE}); the next pays {money(sales[-1]['total'])}")
    return all(amounts[:CAP_OFFLINE]) and not amounts[CAP_OFFLINE]


def show_after_sync(demo: Demo, say, ledger: Ledger) -> bool:
    """At till A once B has synced: the cap's last use, then the shelf price."""
    f, label = demo.chain.features, demo.chain.features.labels["chain_cap"]
    last, after = ring(demo, "A", f.skus["chain_cap"]), ring(demo, "A", f.skus["chain_cap"])
    ledger.record("A", None, 0, 0)
    ledger.record("A", None, 0, 0)
    why = "the server refused to reserve it: the cap is reached" if after["refused"] else "the feed says it is reached"
    say(f"  chain-wide cap: A gives use {CAP_USES} of {CAP_USES} ({money(given(last, label))} off); the next customer "
        f"pays {money(after['total'])} ({why})")
    return given(last, label) > 0 and given(after, label) == 0
