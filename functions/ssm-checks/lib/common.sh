#!/usr/bin/env bash
# ops-autopilot: what every server-check script shares. An SSM document carries one script, so this
# file is put in front of each check script when the script is read (functions/remote/script.ts,
# `readScript`): at synth for the document, and by the local runner for `autopilot run ... --local`.
# Nothing here reads a parameter; the check scripts read theirs from SSM_<name> variables only.

# Re-run under bash when started by sh; stay POSIX until then.
if [ -z "${BASH_VERSION:-}" ]; then
  if [ -f "$0" ] && command -v bash >/dev/null 2>&1; then exec bash "$0" "$@"; fi
  printf '%s\n' '{"v":1,"error":"bash is required to run this check"}'
  exit 0
fi

# No `set -u`: bash 4.2 (Amazon Linux 2) treats an empty array as unset.
export LC_ALL=C

# The JSON line stays under this many characters, so SSM's shortest output listing (2,500) holds it whole.
# shellcheck disable=SC2034 # read by the check scripts
readonly JSON_BUDGET=2400
# Lists in the JSON line (accounts, packages, files) show at most this many items.
readonly JSON_LIST_MAX=10

# JSON string literal of $1: escapes quotes, backslashes and control characters.
# shellcheck disable=SC2317 # a shared helper: not every script calls it
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  s=${s//[[:cntrl:]]/}
  printf '"%s"' "$s"
}

# A JSON array of strings from the arguments, at most JSON_LIST_MAX of them.
# shellcheck disable=SC2317 # a shared helper: not every script calls it
json_list() {
  local out='' item n=0
  for item in "$@"; do
    [ "$n" -ge "$JSON_LIST_MAX" ] && break
    out+=${out:+,}$(json_str "$item")
    n=$((n + 1))
  done
  printf '[%s]' "$out"
}

# An unsigned integer of at most 12 digits (so bash arithmetic never overflows on it).
# shellcheck disable=SC2317 # a shared helper: not every script calls it
is_uint() {
  case $1 in '' | *[!0-9]*) return 1 ;; *) [ "${#1}" -le 12 ] ;; esac
}

# Runs "$@" for at most $1 seconds where coreutils' timeout exists.
# shellcheck disable=SC2317 # a shared helper: not every script calls it
with_timeout() {
  local seconds=$1
  shift
  if command -v timeout >/dev/null 2>&1; then timeout "$seconds" "$@"; else "$@"; fi
}

# The first line of $1, at most 160 characters.
# shellcheck disable=SC2317 # a shared helper: not every script calls it
first_line() {
  local text=$1
  text=${text%%$'\n'*}
  printf '%s' "${text:0:160}"
}

# Parameters the script refused (a value the document's allowedPattern should have stopped), as JSON objects.
invalid=()
# shellcheck disable=SC2317 # a shared helper: not every script calls it
note_invalid() { # parameter value
  invalid+=("{\"param\":$(json_str "$1"),\"value\":$(json_str "${2:0:200}")}")
}

# `,"invalid":[...]` for the JSON line when a parameter was refused, else nothing. Whole entries only, up to
# 800 characters (one entry is at most about 450: its value is cut at 200 characters before escaping).
# shellcheck disable=SC2317 # a shared helper: not every script calls it
invalid_json() {
  [ ${#invalid[@]} -eq 0 ] && return 0
  local out='' entry
  for entry in "${invalid[@]}"; do
    [ $(( ${#out} + ${#entry} )) -gt 800 ] && break
    out+=${out:+,}$entry
  done
  printf ',"invalid":[%s]' "$out"
}

# Stops with the job's error line unless the SSM Agent passed the parameters as environment variables.
# shellcheck disable=SC2317 # a shared helper: not every script calls it
require_contract() { # job
  if [ "${SSM_contract-}" != 1 ]; then
    printf '{"v":1,"job":"%s","error":"document parameters did not arrive as SSM_* environment variables %s"}\n' \
      "$1" '(SSM Agent 3.3.2746.0 or later is required)'
    exit 0
  fi
}

# The machine's name, for the JSON line.
# shellcheck disable=SC2317 # a shared helper: not every script calls it
host_name() {
  hostname 2>/dev/null || uname -n
}
