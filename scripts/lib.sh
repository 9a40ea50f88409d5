# Shared setup steps for scripts/start and scripts/test (sourced, not run).
# Installs what a fresh Debian/Ubuntu machine lacks (as root), then the Python environment.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
PYTHON="${PYTHON:-python3}"

say() { printf '==> %s\n' "$*" >&2; }

apt_install() {
    # Install the Debian packages named, skipping those already installed.
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        say "missing Debian packages: ${missing[*]} (run as root, or install them first)"
        return 1
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_python() {
    # pyscard builds against PC/SC headers with swig.
    apt_install gcc python3-dev python3-venv swig libpcsclite-dev
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    say "installing OneCard and its Python dependencies"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$REPO$1"
}

start_postgres() {
    apt_install postgresql postgresql-client
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        say "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    if [ -z "${ONECARD_TEST_PG_URL:-}" ] && \
       ! psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
        # A fresh install asks for passwords over TCP: give the postgres role one for tests.
        say "preparing PostgreSQL for tests (database 'test', role postgres)"
        su postgres -c "psql -q -c \"ALTER ROLE postgres PASSWORD 'onecard-tests'\""
        su postgres -c "createdb test" 2>/dev/null || true
        export ONECARD_TEST_PG_URL="postgresql+psycopg://postgres:onecard-tests@127.0.0.1:5432/test"
    fi
}

start_redis() {
    apt_install redis-server
    if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
        say "starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log
        for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
    fi
}
