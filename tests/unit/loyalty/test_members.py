import pytest

from loyalty.commands import ChangeCardState, ReplaceCard
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import (
    CardNotUsable,
    IllegalCardTransition,
    InvalidEmail,
    InvalidPhone,
    NaiveDatetime,
)
from loyalty.ledger import Ledger
from loyalty.members import (
    Card,
    CardKind,
    CardState,
    Consents,
    MemberProfile,
    change_card_state,
    erase_profile,
    replace_card,
)

from .helpers import earned, utc


@pytest.mark.parametrize(
    ("raw", "country", "phone"),
    [
        ("+44 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "44", "+442079460958"),
        ("0049 (30) 123-4567", None, "+49301234567"),
        ("+1.415.555.0100", None, "+14155550100"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, country, phone):
    assert normalize_phone(raw, country) == phone


@pytest.mark.parametrize("raw", ["020 7946 0958", "+0 20 7946", "+44 20 abc", "+123", "+4420794609581234"])
def test_unreadable_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_email_domains_are_lower_cased_and_nonsense_refused():
    assert normalize_email(" Ann.Lee@Example.COM ") == "Ann.Lee@example.com"
    for bad in ["ann", "ann@localhost", "ann..lee@example.com", "ann@@example.com", "a b@example.com"]:
        with pytest.raises(InvalidEmail):
            normalize_email(bad)


def test_a_profile_validates_its_contacts_and_its_enrolment_time():
    ann = MemberProfile(
        "ann",
        "Ann Lee",
        utc(2024, 1, 1),
        phone="+44 20 7946 0958",
        email="ann@Example.com",
        home_store="S-12",
        consents=Consents(marketing_email=True),
    )
    assert (ann.phone, ann.email) == ("+442079460958", "ann@example.com")
    with pytest.raises(NaiveDatetime):
        MemberProfile("bob", "Bob", utc(2024, 1, 1).replace(tzinfo=None))


def test_erasing_a_member_removes_personal_data_and_keeps_the_id():
    ann = MemberProfile(
        "ann",
        "Ann Lee",
        utc(2024, 1, 1),
        phone="+442079460958",
        email="ann@example.com",
        consents=Consents(profiling=True),
    )
    erased = erase_profile(ann)
    assert (erased.member_id, erased.name, erased.phone, erased.email) == ("ann", "", None, None)
    assert erased.consents == Consents() and erased.erased and not erased.active


CARD = Card("2712345678902", "ann")


def test_a_blocked_card_cannot_be_used_and_can_be_unblocked():
    blocked, event = change_card_state(
        CARD, ChangeCardState(CARD.number, "blocked", utc(2024, 2, 1), "suspected fraud", "staff-7")
    )
    assert (event.from_state, event.to_state) == ("active", "blocked")
    with pytest.raises(CardNotUsable) as error:
        blocked.require_usable()
    assert error.value.state == "blocked"
    active, _ = change_card_state(
        blocked, ChangeCardState(CARD.number, "active", utc(2024, 2, 2), "cleared", "staff-7")
    )
    assert active.require_usable() is active


def test_replacing_a_lost_card_keeps_the_balance_with_the_member_and_retires_the_old_number():
    ledger = Ledger("ann").apply([earned("ann", "T-1", 740, utc(2024, 1, 10))])
    lost, _ = change_card_state(
        CARD, ChangeCardState(CARD.number, "lost", utc(2024, 3, 1), "member called", "staff-7")
    )
    old, new, event = replace_card(
        lost,
        ReplaceCard(CARD.number, "2712345678919", utc(2024, 3, 1), "lost", "staff-7"),
        kind=CardKind.DIGITAL,
    )
    assert (old.state, old.replaced_by) == (CardState.REPLACED, "2712345678919")
    assert (new.member_id, new.state, new.kind) == ("ann", CardState.ACTIVE, CardKind.DIGITAL)
    assert (event.old_number, event.new_number, event.member_id) == (CARD.number, new.number, "ann")
    assert ledger.state.balance == 740  # the points never belonged to the card
    with pytest.raises(CardNotUsable):
        old.require_usable()
    with pytest.raises(IllegalCardTransition):
        change_card_state(old, ChangeCardState(CARD.number, "active", utc(2024, 3, 2), "found", "s"))
    with pytest.raises(IllegalCardTransition):
        replace_card(old, ReplaceCard(CARD.number, "2712345678926", utc(2024, 3, 2), "again", "s"))


def test_replacement_goes_through_replace_card_not_a_state_change():
    with pytest.raises(IllegalCardTransition):
        change_card_state(CARD, ChangeCardState(CARD.number, "replaced", utc(2024, 3, 1), "x", "s"))
