"""Configuration: sensible embedded defaults, and one clear error naming each bad setting."""

import pytest

from server.exceptions import ConfigError
from server.settings import Settings


def test_defaults_use_a_sqlite_file_in_the_data_dir_and_in_process_jobs(tmp_path):
    settings = Settings.load({"ONECARD_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'onecard.sqlite3'}"
    assert settings.redis_url is None
    assert settings.queue_description == "in-process"
    assert settings.currency == "EUR" and settings.currency_exponent == 2
    assert settings.signature_window_seconds == 300


def test_a_generated_secret_key_is_kept_and_reused(tmp_path):
    first = Settings.load({"ONECARD_DATA_DIR": str(tmp_path)})
    second = Settings.load({"ONECARD_DATA_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_plain_postgresql_url_gets_the_psycopg_driver(tmp_path):
    settings = Settings.load({"ONECARD_DATA_DIR": str(tmp_path),
                              "ONECARD_DATABASE_URL": "postgresql://u:secret@db/onecard"})
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "secret" not in settings.database_url_safe


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ONECARD_DATABASE_URL", "mysql://x/y", "unsupported database"),
    ("ONECARD_DATABASE_URL", "::not a url::", "not a database URL"),
    ("ONECARD_REDIS_URL", "localhost:6379", "must start with redis://"),
    ("ONECARD_TOKEN_TTL", "eight hours", "must be a whole number"),
    ("ONECARD_TOKEN_TTL", "-5", "must be positive"),
    ("ONECARD_CURRENCY", "EURO", "unknown currency"),
    ("ONECARD_SECRET_KEY", "short", "at least 32 characters"),
    ("ONECARD_QUEUE_NAME", "no spaces please", "letters, digits"),
    ("ONECARD_MEMBER_CACHE", "sometimes", "use 'all', 'home' or 'recent'"),
    ("ONECARD_MEMBER_CACHE_DAYS", "0", "must be positive"),
    ("ONECARD_FEED_COMPACT_AFTER_DAYS", "0", "must be positive"),
    ("ONECARD_CARD_PREFIX", "99", "starting with 2"),
])
def test_bad_settings_fail_with_one_message_naming_the_setting(tmp_path, variable, value, message):
    with pytest.raises(ConfigError) as caught:
        Settings.load({"ONECARD_DATA_DIR": str(tmp_path), variable: value})
    assert caught.value.setting == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert message in str(caught.value)


def test_a_config_file_is_read_and_the_environment_wins(tmp_path):
    config = tmp_path / "onecard.toml"
    config.write_text('currency = "GBP"\ntoken_ttl = 60\n')
    settings = Settings.load({"ONECARD_CONFIG": str(config), "ONECARD_DATA_DIR": str(tmp_path),
                              "ONECARD_TOKEN_TTL": "120"})
    assert settings.currency == "GBP"
    assert settings.token_ttl_seconds == 120


def test_an_unreadable_or_broken_config_file_names_onecard_config(tmp_path):
    with pytest.raises(ConfigError, match="ONECARD_CONFIG: cannot read"):
        Settings.load({"ONECARD_CONFIG": str(tmp_path / "missing.toml")})
    broken = tmp_path / "broken.toml"
    broken.write_text("currency = \n")
    with pytest.raises(ConfigError, match=r"ONECARD_CONFIG: .* is not valid TOML"):
        Settings.load({"ONECARD_CONFIG": str(broken)})


def test_the_unknown_item_earning_cap_and_the_sale_clock_tolerance_reach_the_programme(tmp_path):
    from datetime import timedelta

    from server.membership.program import program_from_settings

    default = program_from_settings(Settings.load({"ONECARD_DATA_DIR": str(tmp_path)}))
    assert (default.unknown_item_earn_cap_minor, default.future_sale_tolerance) == (10_000, timedelta(minutes=5))
    set_here = program_from_settings(Settings.load({"ONECARD_DATA_DIR": str(tmp_path),
                                                    "ONECARD_UNKNOWN_ITEM_EARN_CAP": "2500",
                                                    "ONECARD_SALE_CLOCK_TOLERANCE": "60"}))
    assert (set_here.unknown_item_earn_cap_minor, set_here.future_sale_tolerance) == (2500, timedelta(seconds=60))


def test_mail_and_sms_are_off_until_set_and_an_smtp_host_and_port_make_a_relay_url(tmp_path):
    base = {"ONECARD_DATA_DIR": str(tmp_path)}
    off = Settings.load(base)
    assert off.smtp_url is None and off.sms_gateway_url is None
    relay = Settings.load({**base, "ONECARD_SMTP_HOST": "mail.example.org", "ONECARD_SMTP_PORT": "2525"})
    assert relay.smtp_url == "smtp://mail.example.org:2525"
    assert Settings.load({**base, "ONECARD_SMS_GATEWAY_URL": "http://127.0.0.1:9000/sms"}).sms_gateway_url


@pytest.mark.parametrize(("name", "value"), [("ONECARD_SMTP_URL", "http://mail.example.org"),
                                             ("ONECARD_SMTP_URL", "smtp://"),
                                             ("ONECARD_SMS_GATEWAY_URL", "ftp://gateway")])
def test_a_malformed_mail_or_sms_setting_is_named(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.load({"ONECARD_DATA_DIR": str(tmp_path), name: value})


def test_notice_settings_default_to_ten_a_second_five_minute_leases_and_quiet_nights(tmp_path):
    base = {"ONECARD_DATA_DIR": str(tmp_path)}
    default = Settings.load(base)
    assert (default.notice_rate, default.notice_lease_seconds, default.quiet_hours) == (10, 300, ("21:00", "08:00"))
    assert default.public_url == "http://127.0.0.1:8000"
    set_here = Settings.load({**base, "ONECARD_NOTICE_RATE": "3", "ONECARD_QUIET_HOURS": "22:30-07:15",
                              "ONECARD_PUBLIC_URL": "https://cards.example.org/"})
    assert (set_here.notice_rate, set_here.quiet_hours) == (3, ("22:30", "07:15"))
    assert set_here.public_url == "https://cards.example.org"
    assert Settings.load({**base, "ONECARD_QUIET_HOURS": "none"}).quiet_hours is None


@pytest.mark.parametrize(("name", "value"), [("ONECARD_QUIET_HOURS", "21-8"), ("ONECARD_QUIET_HOURS", "09:00-09:00"),
                                             ("ONECARD_QUIET_HOURS", "24:00-08:00"), ("ONECARD_NOTICE_RATE", "0"),
                                             ("ONECARD_PUBLIC_URL", "cards.example.org")])
def test_a_malformed_notice_setting_is_named(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.load({"ONECARD_DATA_DIR": str(tmp_path), name: value})
