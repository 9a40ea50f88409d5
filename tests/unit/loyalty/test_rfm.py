"""RFM quintiles: best fifth scores 5, ties score alike, order of members does not matter."""

from hypothesis import given
from hypothesis import strategies as st

from loyalty.rfm import Activity, quintiles, rfm_scores


def test_ten_members_fall_two_to_each_quintile():
    spend = {f"m{i}": 1000 * (i + 1) for i in range(10)}
    scores = quintiles(spend)
    assert [scores[f"m{i}"] for i in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_equal_values_share_a_score():
    assert quintiles({"a": 5, "b": 5, "c": 5, "d": 9}) == {"a": 1, "b": 1, "c": 1, "d": 4}


def test_recent_frequent_big_spenders_score_highest_on_each_axis():
    scores = rfm_scores({
        "loyal": Activity(days_since_last=2, purchases=40, spend_minor=250_000),
        "lapsed": Activity(days_since_last=300, purchases=1, spend_minor=1_999),
        "average": Activity(days_since_last=30, purchases=8, spend_minor=30_000),
    })
    assert (scores["loyal"].recency, scores["loyal"].frequency, scores["loyal"].monetary) == (4, 4, 4)
    assert (scores["lapsed"].recency, scores["lapsed"].frequency, scores["lapsed"].monetary) == (1, 1, 1)


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(-10**6, 10**6), min_size=1, max_size=40))
def test_scores_are_one_to_five_monotonic_and_independent_of_order(values):
    scores = quintiles(values)
    assert scores == quintiles(dict(reversed(list(values.items()))))
    assert all(1 <= s <= 5 for s in scores.values())
    for a in values:
        for b in values:
            if values[a] < values[b]:
                assert scores[a] <= scores[b]
