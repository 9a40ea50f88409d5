"""`onecard server` as a real gunicorn process: one clear start line, then it serves."""

import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.support.processes import REPO, onecard_env, run_onecard


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_server_starts_logs_where_it_listens_and_answers_health(tmp_path):
    env = onecard_env(data_dir=str(tmp_path))
    assert run_onecard("db", "upgrade", env=env).returncode == 0
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "server.cli", "server", "--port", str(port)],
                               env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["status"] == "ok"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    start_line = next(line for line in stderr.splitlines() if "OneCard server listening" in line)
    assert f"http://127.0.0.1:{port}" in start_line
    assert "database: sqlite:///" in start_line and "queue: in-process" in start_line
    assert ("gunicorn, 2 workers x 4 threads, read timeout 30 s, keep-alive 15 s, "
            "2 journal batches at once per worker)") in start_line


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("ONECARD_DB_POOL_SIZE", "four", "ONECARD_DB_POOL_SIZE: must be a whole number, got 'four'"),
    ("ONECARD_DB_POOL_SIZE", "0", "ONECARD_DB_POOL_SIZE: must be 1 to 500, got 0"),
    ("ONECARD_DB_MAX_OVERFLOW", "-1", "ONECARD_DB_MAX_OVERFLOW: must be 0 to 500, got -1"),
])
def test_a_bad_pool_setting_stops_the_server_with_one_line_naming_it(tmp_path, setting, value, message):
    env = {**onecard_env(data_dir=str(tmp_path)), setting: value}
    result = run_onecard("server", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"onecard: configuration error: {message}"]
