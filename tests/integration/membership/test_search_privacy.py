"""Member search points at one person; it cannot list members, and a cashier sees only what a till needs."""

from urllib.parse import quote

import pytest

from tests.support.factories import login, make_staff


@pytest.fixture
def cashier(client, services):
    make_staff(services, "carl", "cashier")
    return login(client, "carl")


def search(client, headers, q, **params):
    query = "&".join(f"{k}={v}" for k, v in {"q": quote(q, safe=""), **params}.items())
    return client.get(f"/api/v1/members?{query}", headers=headers)


@pytest.mark.parametrize("q", ["%%", "__", "  ", "% %", "a%", "_b_", "\\\\", "12345", "+44 79"])
def test_a_query_that_says_nothing_about_one_person_is_refused(client, desk, cashier, enrol, q):
    enrol("Ada Lovelace", phone="+442079460958")
    for headers in (desk, cashier):
        answer = search(client, headers, q)
        assert answer.status_code == 422, (q, answer.json)
        assert answer.json["type"].endswith("query-too-broad")


def test_wildcards_in_a_name_match_only_themselves(client, desk, enrol):
    literal, _ = enrol("Ann_Marie 100%")
    enrol("Annxmarie 1000")
    assert [m["id"] for m in search(client, desk, "ann_marie").json["items"]] == [literal]
    assert [m["id"] for m in search(client, desk, "100%").json["items"]] == [literal]
    assert search(client, desk, "nn%ar").json["items"] == []


def test_spaces_around_and_between_words_do_not_matter(client, desk, enrol):
    ada, _ = enrol("Ada  Lovelace")
    assert [m["id"] for m in search(client, desk, "  ada   LOVELACE ").json["items"]] == [ada]


def test_a_whole_phone_number_finds_the_member_with_or_without_the_country_code(client, desk, enrol):
    ada, _ = enrol("Ada Lovelace", phone="+442079460958")
    enrol("Grace Hopper", phone="+442079460999")
    for q in ("+44 20 7946 0958", "020 7946 0958", "0044 20 7946 0958"):
        assert [m["id"] for m in search(client, desk, q).json["items"]] == [ada], q


def test_a_page_holds_at_most_twenty_members(client, desk, enrol):
    for n in range(23):
        enrol(f"Grace Hopper {n:02}")
    first = search(client, desk, "hopper").json
    assert len(first["items"]) == 20 and first["next_cursor"] is not None
    rest = search(client, desk, "hopper", cursor=first["next_cursor"]).json
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    assert search(client, desk, "hopper", limit=50).status_code == 400


def test_a_cashier_sees_a_display_name_the_active_card_and_the_tier_never_contact_details(
        client, desk, cashier, enrol):
    ada, card = enrol("Ada Lovelace", phone="+442079460958", email="ada@example.org")
    client.patch(f"/api/v1/members/{ada}", json={"notes": "prefers e-mail"}, headers=desk)
    expected = {"id": ada, "display_name": "Ada L.", "cards": [card], "tier": "basic"}
    assert search(client, cashier, "lovelace").json["items"] == [expected]
    assert client.get(f"/api/v1/members/{ada}", headers=cashier).json == expected
    full = client.get(f"/api/v1/members/{ada}", headers=desk).json
    assert (full["name"], full["phone"], full["email"], full["notes"]) == (
        "Ada Lovelace", "+442079460958", "ada@example.org", "prefers e-mail")
    assert search(client, desk, "lovelace").json["items"][0]["phone"] == "+442079460958"
