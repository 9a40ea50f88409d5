"""The card look-up's answer, built without marshmallow (server.api.cards.lookup_document), is what
``CardLookupSchema`` dumps, key for key, value for value and in the same order: the OpenAPI
document describes the schema."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.api.cards import lookup_document
from server.membership.accounts import AccountSummary
from server.membership.card_lookup import CardLookup, CardSeen, MemberSeen
from server.schemas.members import CardLookupSchema

MEMBER = uuid.UUID("01a230a9-72ed-789e-b1e9-9cf1a9fc8556")
AT = datetime(2026, 12, 1, 8, 12, 21, 101706, tzinfo=UTC)


def _found(replaced_by, name, home_store, issued_at, as_of) -> CardLookup:
    return CardLookup(
        CardSeen("2712705441252", "printed", "blocked" if replaced_by else "active", replaced_by, issued_at),
        MemberSeen(MEMBER, name, "gold", home_store),
        AccountSummary(member_id=str(MEMBER), tier="gold", balance=1500, available=0, held=600, debt=25,
                       offline_cap_points=2000, offline_window_hours=24, as_of=as_of))


@pytest.mark.parametrize("found", [
    _found(None, "Prof Member", None, AT, AT),
    _found("2712705441269", "Zoë “Quoted” \\ Name", "A", AT.replace(microsecond=0),
           AT.astimezone(timezone(timedelta(hours=5, minutes=30)))),
    _found(None, None, "B", AT, AT + timedelta(days=400)),  # an erased member's name is null
])
def test_the_document_is_what_the_schema_dumps(found):
    document, dumped = lookup_document(found), CardLookupSchema().dump(found)
    assert json.dumps(document) == json.dumps(dumped)
