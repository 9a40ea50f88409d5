"""The till's link mode: revocation ends only with a sync round begun after the till learnt of it."""

from __future__ import annotations

from pos_agent.exceptions import CredentialRevoked, LinkDown
from pos_agent.sync.mode import LinkMode, Mode


def _mode(clock, heard: list) -> LinkMode:
    mode = LinkMode(clock, on_revoked=heard.append)
    mode.went_online()
    return mode


def test_a_call_begun_before_the_revocation_was_learnt_does_not_end_it(clock):
    heard: list = []
    mode = _mode(clock, heard)
    ticket = mode.ticket()  # a sync round starts ...
    mode.failed(CredentialRevoked("revoked: this terminal's credential has been revoked"))  # ... a heartbeat is refused
    mode.went_online(ticket)  # ... and the round, answered before the revocation, succeeds
    mode.went_online()  # as does a card look-up, which names no ticket
    assert mode.mode is Mode.REVOKED and heard == ["revoked: this terminal's credential has been revoked"]


def test_a_dead_link_leaves_the_till_revoked_and_a_later_accepted_round_ends_it(clock):
    heard: list = []
    mode = _mode(clock, heard)
    mode.failed(CredentialRevoked("revoked: gone"))
    mode.failed(LinkDown("connection refused"))
    assert mode.revoked and mode.reason == "revoked: gone"
    mode.went_online(mode.ticket())
    assert mode.online and heard == ["revoked: gone", None]
