"""Till PINs (what a PIN may be, a salted slow hash) and the till events the server accepts."""

import uuid

import marshmallow as ma
import pytest

from store_sync.pins import hash_pin, pin_problem, verify_pin
from store_sync.till_events import TillEventBodySchema


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", " 1234", "0000"])
def test_a_pin_is_four_to_eight_digits_and_not_one_digit_repeated(pin):
    assert pin_problem(pin) is not None


def test_the_same_pin_hashes_differently_each_time_and_verifies_only_itself():
    first, second = hash_pin("4821"), hash_pin("4821")
    assert first != second and first.startswith("$argon2id$") and "4821" not in first
    assert verify_pin(first, "4821") and verify_pin(second, "4821")
    assert not verify_pin(first, "4822") and not verify_pin("not a hash", "4821")


def _event(kind, **fields):
    return {"id": str(uuid.uuid4()), "kind": kind, "store": "B1", "terminal": "T1",
            "at": "2026-03-14T09:30:00+00:00", **fields}


def test_a_no_sale_names_its_reason_an_approval_its_manager_and_only_reports_carry_figures():
    TillEventBodySchema().load(_event("no_sale", reason="float check"))
    for bad in (_event("no_sale"), _event("approval"), _event("x_report"),
                _event("sign_in", figures={"shift_id": "x" * 8})):
        with pytest.raises(ma.ValidationError):
            TillEventBodySchema().load(bad)
