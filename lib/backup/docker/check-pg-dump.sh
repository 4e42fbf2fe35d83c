#!/bin/sh
# Run by the backup image's build (lib/backup/docker/Dockerfile): fails the build unless the pg_dump
# it installed can write zstd, the backup's default compression. Whether zstd was compiled in is
# not told by the version (a postgresql17 package may be built without it), so ask pg_dump itself:
# it parses --compress before connecting, so against a socket directory that does not exist it
# says "connection to server ... failed" when zstd is supported, and names the compression when
# it is not ("this build does not support compression with ZSTD", or "invalid value" from 15 and
# older). No server, network or credentials needed.
#
# Usage: check-pg-dump.sh [pg_dump path]   (default: the pg_dump on PATH)
set -u
pg_dump="${1:-pg_dump}"

if ! version="$("$pg_dump" --version 2>&1)"; then
  echo "check-pg-dump: cannot run $pg_dump: $version" >&2
  exit 1
fi
answer="$(PGCONNECT_TIMEOUT=2 "$pg_dump" --format=custom --compress=zstd --file=/dev/null --no-password \
  --dbname='host=/nonexistent-socket-dir-for-the-build-check' 2>&1)"
case "$answer" in
  *compress*|*ZSTD*|*zstd*)
    echo "check-pg-dump: $version cannot write zstd, the backups' default compression: $answer" >&2
    exit 1
    ;;
  *"connection to server"*)
    echo "check-pg-dump: $version writes zstd"
    ;;
  *)
    echo "check-pg-dump: $version gave an unexpected answer to --compress=zstd: $answer" >&2
    exit 1
    ;;
esac
