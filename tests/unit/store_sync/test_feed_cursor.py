"""Feed cursors and the agent-side page check: a page must continue exactly from our cursor."""

import json
from datetime import UTC, datetime

import marshmallow as ma
import pytest

from store_sync.cursor import CursorTracker, format_cursor, parse_cursor
from store_sync.exceptions import CursorError, FeedOrderError
from store_sync.feed import Change, ChangesPage, Op, SnapshotItem, SnapshotPage, SnapshotPageText
from store_sync.schemas import (
    ChangesPageSchema,
    SnapshotPageSchema,
    load_snapshot_page_text,
    snapshot_page_json,
)

AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def change(seq: int, sku: str = "4001") -> Change:
    return Change(seq=seq, entity_type="product", entity_id=sku, op=Op.UPSERT,
                  payload={"price": 199}, at=AT, store="B2")


def page(cursor: int, seqs: list[int], next_cursor: int, has_more: bool = False) -> ChangesPage:
    return ChangesPage(cursor=cursor, items=tuple(change(s) for s in seqs), next_cursor=next_cursor,
                       has_more=has_more)


@pytest.mark.parametrize(("text", "seq"), [(None, 0), ("", 0), ("0", 0), ("42", 42),
                                           ("9223372036854775807", 2**63 - 1)])
def test_a_cursor_is_the_decimal_seq_of_the_last_applied_change(text, seq):
    assert parse_cursor(text) == seq
    assert parse_cursor(format_cursor(seq)) == seq


@pytest.mark.parametrize("text", ["-1", "+5", " 5", "1.0", "abc", "٣", "9223372036854775808", "1" * 20])
def test_anything_but_a_whole_number_in_bigint_range_is_not_a_cursor(text):
    with pytest.raises(CursorError):
        parse_cursor(text)


def test_a_tracker_follows_pages_and_jumps_past_other_stores_changes_when_caught_up():
    tracker = CursorTracker()
    assert tracker.accept(page(0, [1, 2], 2, has_more=True)) == 2
    assert tracker.accept(page(2, [5], 9)) == 9
    assert tracker.accept(page(9, [], 9)) == 9


@pytest.mark.parametrize(("bad", "reason"), [
    (page(3, [4, 5], 5), "wrong-cursor"),          # served from another cursor: a gap or a replay
    (page(2, [2, 3], 3), "out-of-order"),          # starts at or before our cursor
    (page(2, [4, 3], 4), "out-of-order"),          # not strictly increasing
    (page(2, [4, 4], 4), "out-of-order"),          # the same seq twice
    (page(2, [3, 4], 3), "cursor-behind"),         # next cursor would re-read item 4 forever
    (page(2, [3, 4], 7, has_more=True), "cursor-ahead"),  # more to come, yet 5-7 would be skipped
])
def test_a_tracker_refuses_a_page_that_would_skip_or_reorder_changes(bad, reason):
    tracker = CursorTracker(2)
    with pytest.raises(FeedOrderError) as raised:
        tracker.accept(bad)
    assert raised.value.reason == reason and tracker.cursor == 2


def test_a_changes_page_survives_the_wire_unchanged():
    sent = ChangesPage(cursor=7, items=(change(8), Change(seq=11, entity_type="card", entity_id="6001",
                                                          op=Op.DELETE, payload={}, at=AT)),
                       next_cursor=11, has_more=True)
    wire = ChangesPageSchema().dump(sent)
    assert wire["cursor"] == "7" and wire["next_cursor"] == "11" and wire["protocol_version"] == 1
    assert wire["items"][1] == {"seq": 11, "entity_type": "card", "entity_id": "6001", "op": "delete",
                                "store": None, "payload": {}, "at": "2026-03-14T09:30:00+00:00"}
    assert ChangesPageSchema().load({**wire, "added_in_a_later_server": True}) == sent


def test_a_snapshot_page_survives_the_wire_unchanged():
    sent = SnapshotPage(cursor=15, items=(SnapshotItem("product", "4001", 4, {"price": 179}),),
                        next_page="abc")
    assert SnapshotPageSchema().load(SnapshotPageSchema().dump(sent)) == sent


def test_an_agent_refuses_a_page_of_another_protocol_version():
    wire = ChangesPageSchema().dump(page(0, [1], 1))
    with pytest.raises(ma.ValidationError) as raised:
        ChangesPageSchema().load({**wire, "protocol_version": 2})
    assert "protocol_version" in raised.value.messages


def test_an_agent_refuses_a_change_with_an_unknown_op():
    wire = ChangesPageSchema().dump(page(0, [1], 1))
    wire["items"][0]["op"] = "merge"
    with pytest.raises(ma.ValidationError):
        ChangesPageSchema().load(wire)


def test_a_snapshot_page_written_from_json_text_loads_like_the_dumped_page():
    sent = SnapshotPage(cursor=42, items=(SnapshotItem("card", "2700001", 40, {"state": "active", "chip_uid": None}),
                                          SnapshotItem("member", 'a "quoted" id', 41, {"name": "Zoë", "tags": []})),
                        next_page="tok")
    text = snapshot_page_json(42, "tok", [(i.entity_type, i.entity_id, i.seq, json.dumps(i.payload))
                                          for i in sent.items])
    assert json.loads(text) == SnapshotPageSchema().dump(sent)
    assert SnapshotPageSchema().load(json.loads(text)) == sent
    assert json.loads(snapshot_page_json(42, None, [])) == SnapshotPageSchema().dump(SnapshotPage(42, (), None))


@pytest.mark.parametrize(("item", "field", "message"), [
    ({"entity_id": "1", "seq": 3, "payload": {}}, "entity_type", "Missing data for required field."),
    ({"entity_type": "card", "entity_id": 7, "seq": 3, "payload": {}}, "entity_id", "Not a valid string."),
    ({"entity_type": "card", "entity_id": "1", "seq": "3", "payload": {}}, "seq", "Not a valid integer."),
    ({"entity_type": "card", "entity_id": "1", "seq": True, "payload": {}}, "seq", "Not a valid integer."),
    ({"entity_type": "card", "entity_id": "1", "seq": 3.5, "payload": {}}, "seq", "Not a valid integer."),
    ({"entity_type": "card", "entity_id": "1", "seq": 3, "payload": ["state"]}, "payload",
     "Not a valid mapping type."),
])
def test_an_agent_refuses_a_snapshot_item_of_the_wrong_shape(item, field, message):
    good = {"entity_type": "card", "entity_id": "2", "seq": 2, "payload": {}}
    wire = {"protocol_version": 1, "cursor": "5", "next_page": None, "items": [good, item]}
    with pytest.raises(ma.ValidationError) as raised:
        SnapshotPageSchema().load(wire)
    assert raised.value.messages == {"items": {1: {field: [message]}}}
    with pytest.raises(ma.ValidationError) as raised:  # the same page checked in its text, undecoded
        load_snapshot_page_text(json.dumps(wire))
    assert raised.value.messages == {"items": {1: {field: [message]}}}


def test_a_snapshot_page_checked_in_its_text_keeps_the_text_and_reads_the_head():
    text = snapshot_page_json(42, "tok", [("card", "2700001", 40, '{"state": "active"}'),
                                          ("member", 'a "quoted" id', 41, '{"name": "Zo\u00eb", "seq": "x"}')])
    assert load_snapshot_page_text(text) == SnapshotPageText(cursor=42, next_page="tok", text=text,
                                                             entity_types=frozenset({"card", "member"}))
    wire = json.loads(text)
    with pytest.raises(ma.ValidationError) as raised:
        load_snapshot_page_text(json.dumps({**wire, "protocol_version": 2}))
    assert "protocol_version" in raised.value.messages
    for missing in ("next_page", "cursor"):
        with pytest.raises(ma.ValidationError) as raised:
            load_snapshot_page_text(json.dumps({k: v for k, v in wire.items() if k != missing}))
        assert raised.value.messages == {missing: ["Missing data for required field."]}
    with pytest.raises(ma.ValidationError):
        load_snapshot_page_text(json.dumps({**wire, "items": [{**wire["items"][0], "seq": 4.0}]}))
    with pytest.raises(ValueError, match="not JSON"):
        load_snapshot_page_text(text[:-1])  # cut short on the wire


def test_an_agent_refuses_snapshot_items_that_are_not_a_list_of_objects():
    wire = {"protocol_version": 1, "cursor": "5", "next_page": None}
    with pytest.raises(ma.ValidationError) as raised:
        SnapshotPageSchema().load({**wire, "items": {"entity_type": "card"}})
    assert raised.value.messages == {"items": ["Not a valid list."]}
    with pytest.raises(ma.ValidationError) as raised:
        SnapshotPageSchema().load({**wire, "items": ["card"]})
    assert raised.value.messages == {"items": {0: ["Invalid input type."]}}
    for items in ({"entity_type": "card"}, ["card"], None):
        with pytest.raises(ma.ValidationError):  # checked in the page's text alike
            load_snapshot_page_text(json.dumps({**wire, "items": items}))
