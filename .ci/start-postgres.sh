#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the over-the-wire connector tests and
# prints its URL. Debian's postgresql package is on the machine image; it is installed if missing.
set -euo pipefail
port=${QUORUM_PG_PORT:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
data=$(mktemp -d /tmp/quorum-pg.XXXXXX)
chown postgres:postgres "$data"
# ICU's en-US collation orders "a" < "B" < "é" < "Z", unlike code points: the tests must still
# pass, because quorum orders strings by code point on every warehouse (docs/semantics.md).
if ! su postgres -s /bin/bash -c "'$bin/initdb' -D '$data/db' -A trust -U quorum -E UTF8 --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US" >&2; then
  rm -rf "$data/db"
  su postgres -s /bin/bash -c "'$bin/initdb' -D '$data/db' -A trust -U quorum -E UTF8 --locale=C.UTF-8" >&2
fi
# A throwaway server: durability buys nothing here, and flushing every commit to disk made the
# wire tests wait on the shared machine's disk more than on PostgreSQL itself.
durability_off='-c fsync=off -c synchronous_commit=off -c full_page_writes=off'
su postgres -s /bin/bash -c "'$bin/pg_ctl' -D '$data/db' -l '$data/log' -w -o '-p $port -k $data -c listen_addresses=127.0.0.1 $durability_off' start" >&2
echo "$data" > /tmp/quorum-pg.current
echo "postgres://quorum@127.0.0.1:$port/postgres"
