"""The request-signing scheme shared by terminals (signing) and the server (checking)."""

import pytest

from store_sync.exceptions import CredentialError, SignatureError
from store_sync.signing import (
    TerminalCredential,
    check_freshness,
    read_signed_headers,
    sign_request,
    verify_signature,
)

NOW = 1_800_000_000


@pytest.fixture
def credential():
    return TerminalCredential.generate()


def _sign(credential, body=b'{"a": 1}', path="/api/v1/sync/journal?x=1"):
    return read_signed_headers(sign_request(credential, "post", path, body, NOW))


def test_a_signed_request_verifies_with_the_public_key_alone(credential):
    verify_signature(credential.public_key, _sign(credential), "POST", "/api/v1/sync/journal?x=1",
                     b'{"a": 1}')


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/sync/journal?x=1", b'{"a": 2}'),
    ("PUT", "/api/v1/sync/journal?x=1", b'{"a": 1}'),
    ("POST", "/api/v1/sync/journal?x=2", b'{"a": 1}'),
    ("POST", "/api/v1/sync/journal", b'{"a": 1}'),
])
def test_changing_method_path_query_or_body_breaks_the_signature(credential, method, path, body):
    with pytest.raises(SignatureError) as caught:
        verify_signature(credential.public_key, _sign(credential), method, path, body)
    assert caught.value.reason == "bad-signature"


def test_another_terminals_key_does_not_verify(credential):
    other = TerminalCredential.generate()
    with pytest.raises(SignatureError):
        verify_signature(other.public_key, _sign(credential), "POST", "/api/v1/sync/journal?x=1",
                         b'{"a": 1}')


@pytest.mark.parametrize(("offset", "fresh"), [(0, True), (300, True), (-300, True),
                                               (301, False), (-301, False), (86_400, False)])
def test_freshness_window_is_300_seconds_either_way(offset, fresh):
    if fresh:
        check_freshness(NOW + offset, NOW)
    else:
        with pytest.raises(SignatureError, match="window is 300 s"):
            check_freshness(NOW + offset, NOW)


def test_missing_and_malformed_headers_are_named(credential):
    headers = sign_request(credential, "GET", "/x", b"", NOW)
    del headers["X-OneCard-Nonce"]
    with pytest.raises(SignatureError, match="X-OneCard-Nonce") as caught:
        read_signed_headers(headers)
    assert caught.value.reason == "missing-headers"
    bad = sign_request(credential, "GET", "/x", b"", NOW) | {"X-OneCard-Timestamp": "soon"}
    with pytest.raises(SignatureError) as caught:
        read_signed_headers(bad)
    assert caught.value.reason == "malformed"


def test_a_credential_round_trips_through_its_printed_form_and_never_shows_its_secret(credential):
    printed = str(credential)
    assert TerminalCredential.parse(printed) == credential
    assert printed.split(".")[2] not in repr(credential)


@pytest.mark.parametrize("text", ["", "oc1.key", "oc2.key.AAAA", "oc1.key.!!!!", "oc1.key.AAAA"])
def test_malformed_credentials_are_refused(text):
    with pytest.raises(CredentialError):
        TerminalCredential.parse(text)
