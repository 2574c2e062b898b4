#!/usr/bin/env bash
# `make bench`, step 1: PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379 and wrk.
# Idempotent: starts only what is not answering, installs wrk only when it is missing.
set -euo pipefail

wait_for() {  # wait_for WHAT COMMAND...: up to 30 s
    local what=$1; shift
    for _ in $(seq 60); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    echo "bench: $what did not come up" >&2
    exit 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "bench: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "bench: starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi

if ! command -v wrk >/dev/null; then
    echo "bench: installing wrk (Debian package)"
    apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi

echo "bench: PostgreSQL, Redis and wrk are ready"
