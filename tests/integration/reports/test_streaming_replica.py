"""The reports read from a real streaming replica when ONECARD_REPORTS_DATABASE_URL names one.

The test builds its own primary and replica clusters (``initdb`` as the postgres user, which it
refuses to run as root; ``pg_basebackup -R`` for the replica) on ports of their own. With the
replica's replay paused, a sale roll-up written on the primary is not in the report; once replay
resumes and catches up, it is: the report read the replica, not the primary.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from server.app import create_app
from server.dbmigrate import upgrade
from server.models import SalesDay
from server.services import Services
from server.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support.clock import FakeClock
from tests.support.factories import login, make_staff

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not BINARIES or os.geteuid() != 0, reason="needs PostgreSQL's binaries and root")]
MARCH = "from=2025-03-01&to=2025-03-31"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)


class Cluster:
    def __init__(self, root: Path, name: str) -> None:
        self.dir, self.port = root / name, free_port()
        self.bin = BINARIES[-1]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/onecard"

    def configure(self, root: Path) -> None:
        with open(self.dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
                       "fsync = off\nmax_wal_senders = 4\nwal_level = replica\nhot_standby = on\n")

    def start(self) -> None:
        as_postgres(f"{self.bin}/pg_ctl", "-D", str(self.dir), "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", str(self.dir), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)


@pytest.fixture
def replicated():
    root = Path(tempfile.mkdtemp(prefix="onecard-replica-"))
    shutil.chown(root, "postgres", "postgres")
    primary, replica = Cluster(root, "primary"), Cluster(root, "replica")
    try:
        as_postgres(f"{primary.bin}/initdb", "-D", str(primary.dir), "-U", "postgres", "--auth=trust", "--no-sync")
        primary.configure(root)
        primary.start()
        as_postgres(f"{primary.bin}/createdb", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "onecard")
        engine = create_engine(primary.url)
        upgrade(engine)
        engine.dispose()
        as_postgres(f"{primary.bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(replica.dir), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")
        with open(replica.dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {replica.port}\n")
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def replay(replica: Cluster, paused: bool) -> None:
    engine = create_engine(replica.url)
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()"))
    engine.dispose()


def caught_up(primary: Cluster, replica: Cluster) -> bool:
    source, copy = create_engine(primary.url), create_engine(replica.url)
    try:
        with source.connect() as a, copy.connect() as b:
            sent = a.execute(text("SELECT pg_current_wal_lsn()")).scalar()
            return b.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"),
                             {"lsn": sent}).scalar()
    finally:
        source.dispose()
        copy.dispose()


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def test_reports_read_the_streaming_replica(replicated, tmp_path):
    primary, replica = replicated
    services = Services.build(Settings.from_values({"data_dir": str(tmp_path), "database_url": primary.url,
                                                    "reports_database_url": replica.url,
                                                    "secret_key": TEST_SECRET}), clock=FakeClock())
    try:
        make_staff(services, "hanna", "hq")  # written on the primary; signing in reads the primary
        client = create_app(services=services).test_client()
        hq = login(client, "hanna")

        def sales() -> list[tuple]:
            answer = client.get(f"/api/v1/reports/sales?{MARCH}", headers=hq)
            assert answer.status_code == 200, answer.json
            return [(r["store"], r["sales_minor"]) for r in answer.json["rows"]]

        wait_for(lambda: caught_up(primary, replica))
        assert sales() == []
        replay(replica, paused=True)
        with services.db.session() as session:
            session.add(SalesDay(store_code="S001", day=date(2025, 3, 3), member=True, sales=2, sales_minor=4_200,
                                 items=3, returns=0, returns_minor=0))
            session.commit()
        time.sleep(0.5)
        assert sales() == []  # on the primary, not yet replayed on the replica
        replay(replica, paused=False)
        wait_for(lambda: caught_up(primary, replica))
        assert sales() == [("S001", 4_200)]
    finally:
        services.dispose()
