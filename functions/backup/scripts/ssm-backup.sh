#!/usr/bin/env bash
# ops-autopilot: a backup taken on the server itself (backup.via "ssm"), run by SSM Run Command.
#
# Dumps a PostgreSQL database (pg_dump -Fc) or snapshots a SQLite file (sqlite3 .backup, gzip)
# and uploads it in parts to presigned S3 UploadPart URLs, so the instance needs no S3
# permissions. The caller (the backup Lambda) created the multipart upload and completes it
# from the ETags printed here, or aborts it when this script fails.
#
# Every input arrives as an environment variable (SSM document parameters with
# interpolationType ENV_VAR), never as shell text:
#   SSM_kind        postgres | sqlite
#   SSM_dbHost SSM_dbPort SSM_dbUser SSM_dbName   (postgres; authentication is the host's own:
#                   peer/trust, ~/.pgpass or PGPASSFILE of the user the command runs as)
#   SSM_sqlitePath  (sqlite) the database file
#   SSM_partSize    bytes per part (the last part may be smaller)
#   SSM_partUrls    presigned UploadPart URLs for parts 1..N, separated by spaces
# Output: one line `AUTOPILOT_BACKUP_RESULT {json}` on stdout; errors on stderr, exit status 1.
set -euo pipefail
umask 077

fail() {
  echo "ssm-backup: $*" >&2
  exit 1
}

kind=${SSM_kind:?SSM_kind is required}
part_size=${SSM_partSize:?SSM_partSize is required}
[[ $part_size =~ ^[0-9]+$ ]] || fail "SSM_partSize must be a number of bytes"
read -r -a urls <<<"${SSM_partUrls:?SSM_partUrls is required}"
command -v curl >/dev/null || fail "curl is not installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/autopilot-backup.XXXXXX")
trap 'rm -rf "$work"' EXIT

tables_json=null
tool_version=
server_version=

case $kind in
  postgres)
    : "${SSM_dbHost:?}" "${SSM_dbPort:?}" "${SSM_dbUser:?}" "${SSM_dbName:?}"
    command -v pg_dump >/dev/null || fail "pg_dump is not installed"
    tool_version=$(pg_dump --version)
    conn=(--host "$SSM_dbHost" --port "$SSM_dbPort" --username "$SSM_dbUser" --dbname "$SSM_dbName" --no-password)
    if command -v psql >/dev/null; then
      # The tables the archive must contain, as the Lambda's own dumps count them.
      tables_json=$(psql "${conn[@]}" -X -A -t -q -v ON_ERROR_STOP=1 -c "
        SELECT coalesce(json_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text ORDER BY n.nspname, c.relname), '[]')
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname !~ '^pg_(toast|temp_)'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')") || fail "cannot list the tables of $SSM_dbName"
      server_version=$(psql "${conn[@]}" -X -A -t -q -c "SHOW server_version") || fail "cannot read the server version"
    fi
    produce() { pg_dump --format=custom --lock-wait-timeout=120000 "${conn[@]}"; }
    ;;
  sqlite)
    : "${SSM_sqlitePath:?}"
    command -v sqlite3 >/dev/null || fail "sqlite3 is not installed"
    command -v gzip >/dev/null || fail "gzip is not installed"
    [[ -r $SSM_sqlitePath ]] || fail "cannot read $SSM_sqlitePath"
    tool_version="sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
    # .backup takes a consistent snapshot while the application keeps writing.
    sqlite3 "$SSM_sqlitePath" ".backup '$work/snapshot.db'" || fail "sqlite3 .backup of $SSM_sqlitePath failed"
    check=$(sqlite3 "$work/snapshot.db" 'PRAGMA integrity_check;') || fail "integrity_check failed"
    [[ $check == ok ]] || fail "integrity_check of the snapshot: ${check:0:300}"
    tables_sql="SELECT coalesce(json_group_array('main.' || name || ':r'), '[]') FROM "
    tables_sql+="(SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name);"
    tables_json=$(sqlite3 "$work/snapshot.db" "$tables_sql") \
      || fail "cannot list the tables of the snapshot"
    produce() { gzip -c -6 "$work/snapshot.db"; }
    ;;
  *) fail "unknown SSM_kind: $kind" ;;
esac

# One pass: the stream is hashed through a FIFO while it is cut into parts of part_size
# bytes, each staged in one file (disk use: one part) and PUT to its URL.
mkfifo "$work/hash.fifo"
sha256sum <"$work/hash.fifo" >"$work/sha256" &
hash_pid=$!

upload_parts() {
  local n=0 size etag
  while :; do
    head -c "$part_size" >"$work/part"
    size=$(stat -c %s "$work/part")
    if ((size == 0)); then
      ((n > 0)) || { echo "ssm-backup: the dump is empty" >&2; return 1; }
      break
    fi
    if ((n >= ${#urls[@]})); then
      echo "ssm-backup: the dump is larger than ${#urls[@]} parts of $part_size bytes" >&2
      return 1
    fi
    etag=$(curl --silent --show-error --fail --retry 3 --retry-all-errors --max-time 900 \
      --upload-file "$work/part" --dump-header - --output /dev/null "${urls[$n]}" |
      tr -d '\r' | awk 'tolower($1) == "etag:" { gsub(/"/, "", $2); print $2 }') || {
      echo "ssm-backup: upload of part $((n + 1)) failed" >&2
      return 1
    }
    [[ $etag =~ ^[A-Za-z0-9-]+$ ]] || { echo "ssm-backup: part $((n + 1)) got no ETag" >&2; return 1; }
    n=$((n + 1))
    printf '%s %s %s\n' "$n" "$etag" "$size" >>"$work/parts"
  done
}

status=0
produce | tee "$work/hash.fifo" | upload_parts || status=$?
wait "$hash_pid" || status=1
((status == 0)) || fail "backup failed (status $status)"

sha256=$(cut -d' ' -f1 "$work/sha256")
total=$(awk '{ s += $3 } END { print s }' "$work/parts")
parts_json=$(awk 'BEGIN { printf "[" } { printf "%s{\"n\":%s,\"etag\":\"%s\",\"size\":%s}", (NR > 1 ? "," : ""),
  $1, $2, $3 } END { printf "]" }' "$work/parts")
# SSM keeps 24,000 characters of output: a very long table list is left out, not truncated.
if ((${#tables_json} > 16000)); then tables_json=null; fi
json_string() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -d '\n\r'; }
printf 'AUTOPILOT_BACKUP_RESULT {"parts":%s,"size":%s,"sha256":"%s","tables":%s,"toolVersion":"%s","serverVersion":"%s"}\n' \
  "$parts_json" "$total" "$sha256" "$tables_json" "$(json_string "$tool_version")" "$(json_string "$server_version")"
