"""The programme a till reads from the feed carries the server's own rules, so both apply the same."""

from datetime import UTC, datetime, timedelta

from pos_agent.checkout.basket import PointsRedemption
from pos_agent.checkout.program import Program
from pos_agent.checkout.recovery import hold_may_have_lapsed
from server.membership.program import program_from_settings
from server.membership.publishing import program_payload
from server.settings import Settings

HELD_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _both(tmp_path):
    server = program_from_settings(Settings.load({"ONECARD_DATA_DIR": str(tmp_path)}))
    return server, Program.from_payload(program_payload(server, "EUR"))


def test_the_till_reads_the_servers_hold_lifetime_and_excluded_categories(tmp_path):
    server, till = _both(tmp_path)
    assert till.hold_ttl == server.hold_ttl == timedelta(minutes=15)
    assert till.earning.excluded_categories == server.excluded_categories == {"tobacco", "gift-cards"}


def test_a_hold_is_trusted_until_five_minutes_before_the_servers_lifetime_ends(tmp_path):
    _, till = _both(tmp_path)
    redemption = PointsRedemption(600, 600, offline=False, hold_id="h-1", held_at=HELD_AT)
    assert not hold_may_have_lapsed(redemption, HELD_AT + timedelta(minutes=10), till.hold_ttl)
    assert hold_may_have_lapsed(redemption, HELD_AT + timedelta(minutes=10, seconds=1), till.hold_ttl)
    assert hold_may_have_lapsed(redemption, HELD_AT + timedelta(minutes=5, seconds=1), timedelta(minutes=10))
