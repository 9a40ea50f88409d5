"""The demo is seeded by the chain generator at a small size, on SQLite and PostgreSQL: its ledgers
keep their invariants, the balances the hot paths read match them, and everything a till needs is on
the change feed with the member's balance as the ledger has it."""

import random
import uuid
from collections import defaultdict

from sqlalchemy import func, select

from loyalty.expiry import expire_due
from loyalty.ledger import replay
from server.demo.seed import SALES_PER_MEMBER, seed_chain
from server.membership.balances import load_kept
from server.membership.ledger import to_entry
from server.models import ChangeRecord, LedgerEntry, Member, PostedTransaction, Product, PromotionRecord


def test_the_demo_chain_comes_from_the_generator_with_its_ledgers_and_feed(services, clock):
    chain = seed_chain(services, random.Random(3), product_count=60, member_count=8)
    now = clock()
    assert len(chain.members) == 8 and {m["home_store"] for m in chain.members} <= {"A", "B"}
    with services.db.session() as session:
        sales = session.scalars(select(PostedTransaction).where(PostedTransaction.kind == "sale")).all()
        assert len(sales) == SALES_PER_MEMBER * 8
        assert all(s.at < now and s.store_code in ("A", "B") and s.terminal_code == "T1" for s in sales)
        assert any(s.member_id is None for s in sales) and any(s.member_id for s in sales)
        by_member = defaultdict(list)
        for row in session.scalars(select(LedgerEntry)):
            by_member[row.member_id].append(row)
        assert {kind for rows in by_member.values() for kind in (r.kind for r in rows)} >= {"earn", "redeem"}
        feed = defaultdict(dict)
        for change in session.scalars(select(ChangeRecord).order_by(ChangeRecord.order_key)):
            feed[change.entity_type][change.entity_id] = change.payload
        for member in chain.members:
            rows = by_member[uuid.UUID(member["id"])]
            state = replay(member["id"], [to_entry(r) for r in rows])
            balance = sum(r.points for r in rows)
            assert state.balance == balance and state.debt == 0 and expire_due(state, now) == []
            assert load_kept(session, uuid.UUID(member["id"])).state.balance == balance
            assert feed["member"][member["id"]]["balance"] == balance
            assert feed["card"][member["card"]]["member_id"] == member["id"]
            assert session.get(Member, uuid.UUID(member["id"])).tier == member["tier"]
        assert set(feed["product"]) == set(session.scalars(select(Product.sku))) == set(chain.barcodes)
        assert set(feed["promotion"]) == {str(p) for p in session.scalars(select(PromotionRecord.id))}
        # 2 of them rewards, 5 the demo day's new kinds (server.demo.features)
        assert session.scalar(select(func.count()).select_from(PromotionRecord)) == 13
