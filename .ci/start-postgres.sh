#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the over-the-wire connector tests and
# prints its URL. Debian's postgresql package is on the machine image; it is installed if missing.
# The cluster is initialised with a non-C locale on purpose: string order must not depend on it.
set -euo pipefail
port=${QUORUM_PG_PORT:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
data=$(mktemp -d /tmp/quorum-pg.XXXXXX)
chown postgres:postgres "$data"
locale=C.UTF-8
locale -a 2>/dev/null | grep -qi '^en_US.utf8$' && locale=en_US.UTF-8
su postgres -s /bin/bash -c "'$bin/initdb' -D '$data/db' -A trust -U quorum -E UTF8 --locale='$locale'" >&2
su postgres -s /bin/bash -c "'$bin/pg_ctl' -D '$data/db' -l '$data/log' -w -o '-p $port -k $data -c listen_addresses=127.0.0.1' start" >&2
echo "$data" > /tmp/quorum-pg.current
echo "postgres://quorum@127.0.0.1:$port/postgres"
