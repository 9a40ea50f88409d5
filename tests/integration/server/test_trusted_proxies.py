"""Behind a load balancer (ONECARD_TRUSTED_PROXIES): throttles count the client the proxy names,
and a client cannot pose as another address by sending X-Forwarded-For itself."""

import pytest

from server.settings import ConfigError, Settings
from tests.support.factories import PASSWORD, make_staff

PROXY, GUESSER, ADMIN_AT_HOME = "10.0.0.2", "203.0.113.9", "198.51.100.20"


@pytest.fixture(params=[0, 1], ids=["direct", "one-proxy"])
def settings_values(request, settings_values):
    return {**settings_values, "trusted_proxies": str(request.param)}


def _login(client, forwarded_for, password):
    """A sign-in arriving from the proxy, which says it came from ``forwarded_for``."""
    return client.post("/api/v1/auth/token", json={"username": "admin", "password": password},
                       environ_base={"REMOTE_ADDR": PROXY},
                       headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"})


def test_a_guesser_behind_the_proxy_locks_only_their_own_address(client, services, settings):
    make_staff(services, "admin", "admin")
    assert [_login(client, GUESSER, f"guess {n} guess").status_code for n in range(3)] == [401, 401, 401]
    at_home = _login(client, ADMIN_AT_HOME, PASSWORD).status_code
    # Believing the proxy, the admin's address is not the guesser's; not believing it, every
    # request comes from the proxy's one address, which the guesser has locked.
    assert at_home == (200 if settings.trusted_proxies else 429)


def test_a_forged_header_in_front_of_the_proxys_own_is_not_believed(client, services, settings):
    make_staff(services, "admin", "admin")
    for n in range(3):  # the guesser puts a different address of their own choosing before the real one
        _login(client, f"192.0.2.{n}, {GUESSER}", f"guess {n} guess")
    assert _login(client, f"192.0.2.99, {GUESSER}", PASSWORD).status_code == 429


@pytest.mark.parametrize("raw", ["-1", "6", "two"])
def test_a_nonsense_number_of_proxies_is_refused_at_start(tmp_path, raw):
    with pytest.raises(ConfigError, match="ONECARD_TRUSTED_PROXIES"):
        Settings.from_values({"data_dir": str(tmp_path), "trusted_proxies": raw})
