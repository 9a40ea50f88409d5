"""The chain's members: regulars and occasional shoppers, their tiers, home and second stores, cards."""

from __future__ import annotations

import random
from datetime import timedelta

from loyalty.cards import gs1_check_digit
from server.demo.bulk import Writer
from server.demo.chain import Chain, cumulative, pick, uid


def build_members(chain: Chain, rng: random.Random, out: Writer, card_prefix: str,
                  names: tuple[str, ...] = ()) -> None:
    """Members who are regulars or occasional shoppers (``names`` first, then "Member N")."""
    size = chain.size
    activity = [rng.paretovariate(1.6) for _ in range(size.members)]
    ranked = sorted(activity, reverse=True)
    gold, silver = ranked[size.members // 20], ranked[size.members // 5]
    for n, weight in enumerate(activity):
        member_id, home = uid(rng), pick(rng, chain.store_weights)
        tier = "gold" if weight > gold else "silver" if weight > silver else "basic"
        second = pick(rng, chain.store_weights)
        created = chain.start - timedelta(days=rng.randrange(1, 365))
        name = names[n] if n < len(names) else f"Member {n + 1}"
        chain.members.append({"id": str(member_id), "name": name, "tier": tier, "home": home, "second": second,
                              "card": f"{card_prefix}{n + 1:010d}" + gs1_check_digit(f"{card_prefix}{n + 1:010d}")})
        out.add("members", member_id, name, name.lower(), f"member{n + 1}@example.org", chain.stores[home][0],
                chain.stores[home][0], {"marketing_email": n % 3 == 0, "profiling": n % 2 == 0}, "", tier, created,
                created)
        out.add("cards", chain.members[-1]["card"], member_id, "barcode", "active", created, created)
    chain.cum_activity = cumulative(activity)
