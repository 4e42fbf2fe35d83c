#!/usr/bin/env bash
# ops-autopilot security check, the runbooks' security_monitor.sh and monthly checklist:
#   - failed SSH logins in a window (journald, else /var/log/auth.log, else /var/log/secure)
#   - counts of configured log patterns (fixed strings or extended regular expressions) in a window
#   - effective sshd settings (`sshd -T`): PermitRootLogin, PasswordAuthentication
#   - accounts with UID 0 besides root
#   - listening TCP ports (loopback excluded) not in the allowed list
#   - pending security updates, read from the package manager's cache without refreshing it
#   - world-readable .env files under the configured application paths
# It measures and reports; the function applies thresholds and the severity matrix.
# ../lib/common.sh is put in front of it when it is read (bash re-exec, LC_ALL=C, json_str, ...).
#
# Parameters come ONLY from environment variables (SSM document parameters with
# interpolationType ENV_VAR arrive as SSM_<name>); nothing is ever spliced into shell text:
#   SSM_contract           "1"; unset means the SSM Agent did not pass parameters as environment variables
#   SSM_failedLoginWindow  window in seconds (default 3600)
#   SSM_logPatterns        ";"-separated "<window seconds> <absolute path> [re:]<base64 of the pattern>": a fixed
#                          string, or with "re:" an extended regular expression that `grep -E` reads (as data: -e)
#   SSM_allowedPorts       ","-separated TCP ports; empty: the port check only lists
#   SSM_appPaths           ":"-separated directories searched for .env files; empty: skipped
# Overrides for tests (an SSM document never sets them): AUTOPILOT_NOW (epoch seconds),
# AUTOPILOT_AUTH_LOG (read this file instead of journald/auth.log/secure), AUTOPILOT_PASSWD_FILE.
#
# Output: ONE compact JSON line first (under 2,500 characters; the function parses it), then
# human-readable detail for the command's S3 output. A check that cannot run reports
# "status":"unknown" with a reason; it never reads as a pass.

# Only the tail of a huge log is read: a window of hours never needs more.
readonly MAX_LOG_BYTES=268435456

require_contract security

host=$(host_name)
now=${AUTOPILOT_NOW:-$(date +%s)}
is_uint "$now" || now=$(date +%s)
year=$(date -d "@$now" +%Y 2>/dev/null || date +%Y)
tz=$(date -d "@$now" +%z 2>/dev/null || date +%z)
case $tz in
  [+-][0-9][0-9][0-9][0-9]) tzoff=$(( (10#${tz:1:2} * 3600 + 10#${tz:3:2} * 60) * ${tz:0:1}1 )) ;;
  *) tzoff=0 ;;
esac

# Counts matching lines whose timestamp is inside [since, now] in the text on stdin.
# Timestamps: syslog "Mmm dd HH:MM:SS" at the line start (local time, this year), the access logs'
# "[dd/Mmm/YYYY:HH:MM:SS +hhmm]", or the first ISO-8601 "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+hh[:]mm]"
# anywhere (local time without a zone).
# Portable awk (mawk has no mktime): epoch seconds from the civil date by arithmetic.
# Prints: count <TAB> matching lines without a timestamp <TAB> top sources "ip=n,ip=n".
# shellcheck disable=SC2016 # an awk program, not shell text
readonly COUNT_AWK='
function civil_days(y, m, d,    era, yoe, mp, doy, doe) {
  if (m <= 2) y -= 1
  era = int(y / 400); yoe = y - era * 400
  mp = (m > 2) ? m - 3 : m + 9
  doy = int((153 * mp + 2) / 5) + d - 1
  doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
function epoch_of(y, mo, d, h, mi, s, off) { return civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off }
function line_time(    s, rest, y, mo, d, h, mi, sec, off, sign, t) {
  if ($0 ~ /^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]/) {
    mo = mon[substr($0, 1, 3)]
    if (!mo) return -1
    d = substr($0, 5, 2) + 0; h = substr($0, 8, 2) + 0; mi = substr($0, 11, 2) + 0; sec = substr($0, 14, 2) + 0
    t = epoch_of(year, mo, d, h, mi, sec, localoff)
    if (t > now + 86400) t = epoch_of(year - 1, mo, d, h, mi, sec, localoff)
    return t
  }
  if (match($0, /\[[0-9][0-9]\/[A-Z][a-z][a-z]\/[0-9][0-9][0-9][0-9]:[0-9][0-9]:[0-9][0-9]:[0-9][0-9] [+-][0-9][0-9][0-9][0-9]\]/)) {
    # The common log format of nginx and Apache access logs: [04/Dec/2026:15:00:00 +0900].
    s = substr($0, RSTART + 1, RLENGTH - 2)
    mo = mon[substr(s, 4, 3)]
    if (!mo) return -1
    sign = (substr(s, 22, 1) == "-") ? -1 : 1
    off = sign * (substr(s, 23, 2) * 3600 + substr(s, 25, 2) * 60)
    return epoch_of(substr(s, 8, 4) + 0, mo, substr(s, 1, 2) + 0, substr(s, 13, 2) + 0, substr(s, 16, 2) + 0, substr(s, 19, 2) + 0, off)
  }
  if (match($0, /[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]/)) {
    s = substr($0, RSTART, 19); rest = substr($0, RSTART + 19)
    y = substr(s, 1, 4) + 0; mo = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0
    h = substr(s, 12, 2) + 0; mi = substr(s, 15, 2) + 0; sec = substr(s, 18, 2) + 0
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return -1
    if (match(rest, /^[.,][0-9]+/)) rest = substr(rest, RLENGTH + 1)
    off = localoff
    if (substr(rest, 1, 1) == "Z") off = 0
    else if (match(rest, /^[+-][0-9][0-9]:?[0-9][0-9]/)) {
      sign = (substr(rest, 1, 1) == "-") ? -1 : 1
      if (substr(rest, 4, 1) == ":") off = sign * (substr(rest, 2, 2) * 3600 + substr(rest, 5, 2) * 60)
      else off = sign * (substr(rest, 2, 2) * 3600 + substr(rest, 4, 2) * 60)
    }
    return epoch_of(y, mo, d, h, mi, sec, off)
  }
  return -1
}
BEGIN {
  mode = ENVIRON["AP_MODE"]; pat = ENVIRON["AP_PATTERN"]
  since = ENVIRON["AP_SINCE"] + 0; now = ENVIRON["AP_NOW"] + 0
  localoff = ENVIRON["AP_TZOFF"] + 0; year = ENVIRON["AP_YEAR"] + 0
  split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", names, " ")
  for (i = 1; i <= 12; i++) mon[names[i]] = i
}
{
  kind = ""
  if (mode == "sshd") {
    if (index($0, "Invalid user ") > 0) kind = "invalid"
    else if ($0 ~ /Failed (password|publickey|keyboard-interactive\/pam|none) for /)
      kind = (index($0, " for invalid user ") > 0) ? "failedInvalid" : "failed"
  } else if (mode == "all" || index($0, pat) > 0) kind = "match"
  if (kind == "") next
  n = 1
  if (match($0, /message repeated [0-9]+ times/)) n = substr($0, RSTART + 17, RLENGTH - 23) + 0
  t = line_time()
  if (t < 0) { undated += n; next }
  if (t < since || t > now + 300) next
  c[kind] += n
  if (mode == "sshd" && match($0, /from [0-9A-Fa-f.:]+/)) src[substr($0, RSTART + 5, RLENGTH - 5)] += n
}
END {
  if (mode == "sshd") {
    # One attempt on an unknown user logs "Invalid user" and, with passwords on, "Failed ... for
    # invalid user" per try: count whichever is larger, so nothing is counted twice.
    total = c["failed"] + ((c["invalid"] > c["failedInvalid"]) ? c["invalid"] : c["failedInvalid"])
  } else total = c["match"]
  top = ""
  for (k = 0; k < 3; k++) {
    best = ""; bn = 0
    for (ip in src) if (!(ip in used) && src[ip] > bn) { best = ip; bn = src[ip] }
    if (best == "") break
    used[best] = 1
    top = top (top == "" ? "" : ",") best "=" bn
  }
  printf "%d\t%d\t%s\n", total, undated, top
}'

count_in_window() { # mode pattern since
  AP_MODE=$1 AP_PATTERN=$2 AP_SINCE=$3 AP_NOW=$now AP_TZOFF=$tzoff AP_YEAR=$year awk "$COUNT_AWK"
}

# The log's tail, preceded by its rotated predecessor (<path>.1) when that was written inside the window.
read_log() { # path since
  local rotated="$1.1" mtime
  if [ -f "$rotated" ] && [ -r "$rotated" ]; then
    mtime=$(stat -c %Y -- "$rotated" 2>/dev/null || echo 0)
    if is_uint "$mtime" && [ "$mtime" -ge "$2" ]; then tail -c "$MAX_LOG_BYTES" -- "$rotated"; fi
  fi
  tail -c "$MAX_LOG_BYTES" -- "$1"
}

journal_usable() {
  command -v journalctl >/dev/null 2>&1 && [ -n "$(journalctl --no-pager -q -n 1 2>/dev/null)" ]
}

# --- failed SSH logins ---------------------------------------------------------------------
window=${SSM_failedLoginWindow:-3600}
if ! is_uint "$window" || [ "$window" -eq 0 ]; then
  note_invalid failedLoginWindow "$window"
  window=3600
fi
since=$((now - window))
fl_source=''
fl_result=''
if [ -n "${AUTOPILOT_AUTH_LOG:-}" ]; then
  if [ -r "$AUTOPILOT_AUTH_LOG" ]; then
    fl_source="file:$AUTOPILOT_AUTH_LOG"
    fl_result=$(read_log "$AUTOPILOT_AUTH_LOG" "$since" | count_in_window sshd '' "$since")
  fi
elif journal_usable; then
  fl_source=journald
  fl_result=$(journalctl --no-pager -q -o short-iso --since "@$since" -t sshd -t sshd-session 2>/dev/null \
    | count_in_window sshd '' "$since")
else
  for f in /var/log/auth.log /var/log/secure; do
    if [ -r "$f" ]; then
      fl_source="file:$f"
      fl_result=$(read_log "$f" "$since" | count_in_window sshd '' "$since")
      break
    fi
  done
fi
if [ -n "$fl_source" ]; then
  IFS=$'\t' read -r fl_count fl_undated fl_top <<<"$fl_result"
  top_json=''
  IFS=, read -r -a tops <<<"${fl_top:-}"
  for t in "${tops[@]}"; do
    [ -n "$t" ] && top_json+=${top_json:+,}"{\"ip\":$(json_str "${t%=*}"),\"count\":$((10#${t##*=}))}"
  done
  failed_json="{\"status\":\"ok\",\"source\":$(json_str "$fl_source"),\"window\":$window,"
  failed_json+="\"count\":$((10#${fl_count:-0})),\"undated\":$((10#${fl_undated:-0})),\"top\":[$top_json]}"
else
  failed_json="{\"status\":\"unknown\",\"window\":$window,"
  failed_json+="\"reason\":\"no readable sshd log (journald, /var/log/auth.log, /var/log/secure)\"}"
fi

# --- configured log patterns ---------------------------------------------------------------
lp_full=()
lp_short=()
i=0
rest=${SSM_logPatterns-}
while [ -n "$rest" ]; do
  item=${rest%%;*}
  if [ "$item" = "$rest" ]; then rest=''; else rest=${rest#*;}; fi
  [ -z "$item" ] && continue
  lp_window=${item%% *}
  tail_part=${item#* }
  lp_path=${tail_part%% *}
  lp_b64=${tail_part#* }
  lp_pattern=''
  lp_regex=0
  case $lp_b64 in re:*) lp_regex=1 lp_b64=${lp_b64#re:} ;; esac
  ok=1
  if ! is_uint "$lp_window" || [ "$lp_window" -eq 0 ] || [ "$tail_part" = "$item" ] || [ "$lp_b64" = "$tail_part" ]; then ok=0; fi
  case $lp_path in /*) ;; *) ok=0 ;; esac
  case $lp_b64 in '' | *[!A-Za-z0-9+/=]*) ok=0 ;; esac
  if [ "$ok" = 1 ]; then
    lp_pattern=$(printf '%s' "$lp_b64" | base64 -d 2>/dev/null) || ok=0
    [ -z "$lp_pattern" ] && ok=0
  fi
  # grep exits 2 on an expression it cannot compile (the config validator should have refused it already).
  if [ "$ok" = 1 ] && [ "$lp_regex" = 1 ]; then
    grep -E -e "$lp_pattern" </dev/null >/dev/null 2>&1
    [ $? -eq 2 ] && ok=0
  fi
  if [ "$ok" = 0 ]; then
    note_invalid logPatterns "$item"
    lp_full+=("{\"i\":$i,\"status\":\"invalid\"}")
    lp_short+=("{\"i\":$i,\"status\":\"invalid\"}")
    i=$((i + 1))
    continue
  fi
  lp_since=$((now - lp_window))
  common="\"i\":$i,\"window\":$lp_window"
  if [ ! -e "$lp_path" ]; then
    status_json="$common,\"status\":\"missing\""
  elif [ ! -r "$lp_path" ] || [ -d "$lp_path" ]; then
    status_json="$common,\"status\":\"unreadable\""
  else
    if [ "$lp_regex" = 1 ]; then
      IFS=$'\t' read -r lp_count lp_undated _ < <(read_log "$lp_path" "$lp_since" |
        with_timeout 120 grep -a -E -e "$lp_pattern" | count_in_window all '' "$lp_since")
    else
      IFS=$'\t' read -r lp_count lp_undated _ < <(read_log "$lp_path" "$lp_since" | count_in_window fixed "$lp_pattern" "$lp_since")
    fi
    status_json="$common,\"status\":\"ok\",\"count\":$((10#${lp_count:-0})),\"undated\":$((10#${lp_undated:-0}))"
  fi
  regex_json=''
  [ "$lp_regex" = 1 ] && regex_json=',"regex":true'
  lp_full+=("{$status_json,\"path\":$(json_str "$lp_path"),\"pattern\":$(json_str "$lp_pattern")$regex_json}")
  lp_short+=("{$status_json}")
  i=$((i + 1))
done

# --- sshd effective settings ---------------------------------------------------------------
sshd_bin=$(command -v sshd 2>/dev/null) || sshd_bin=''
if [ -z "$sshd_bin" ]; then
  for c in /usr/sbin/sshd /usr/local/sbin/sshd /sbin/sshd; do
    if [ -x "$c" ]; then sshd_bin=$c; break; fi
  done
fi
sshd_out=''
if [ -z "$sshd_bin" ]; then
  sshd_json='{"status":"unknown","reason":"sshd not found"}'
else
  sshd_out=$(with_timeout 20 "$sshd_bin" -T 2>&1)
  rc=$?
  prl=$(awk '$1 == "permitrootlogin" { print $2; exit }' <<<"$sshd_out")
  pwa=$(awk '$1 == "passwordauthentication" { print $2; exit }' <<<"$sshd_out")
  if [ "$rc" -ne 0 ]; then
    sshd_json="{\"status\":\"unknown\",\"reason\":$(json_str "sshd -T failed (exit $rc): $(first_line "$sshd_out")")}"
  elif [ -z "$prl" ] && [ -z "$pwa" ]; then
    sshd_json='{"status":"unknown","reason":"sshd -T printed no settings"}'
  else
    sshd_json="{\"status\":\"ok\",\"permitRootLogin\":$(json_str "${prl:-unknown}"),"
    sshd_json+="\"passwordAuthentication\":$(json_str "${pwa:-unknown}")}"
  fi
fi

# --- UID 0 accounts ------------------------------------------------------------------------
passwd_file=${AUTOPILOT_PASSWD_FILE:-/etc/passwd}
if [ -r "$passwd_file" ]; then
  mapfile -t uid0 < <(awk -F: '$3 ~ /^[0-9]+$/ && $3 + 0 == 0 && $1 != "root" { print $1 }' "$passwd_file")
  uid0_json="{\"status\":\"ok\",\"count\":${#uid0[@]},\"accounts\":$(json_list "${uid0[@]}")}"
else
  uid0_json="{\"status\":\"unknown\",\"reason\":$(json_str "$passwd_file is not readable")}"
fi

# --- listening TCP ports -------------------------------------------------------------------
ports_raw=''
ports_tool=''
if command -v ss >/dev/null 2>&1; then
  ports_tool=ss
  ports_raw=$(ss -H -l -t -n 2>/dev/null) || ports_raw=$(ss -l -t -n 2>/dev/null | tail -n +2)
elif command -v netstat >/dev/null 2>&1; then
  ports_tool=netstat
  ports_raw=$(netstat -l -t -n 2>/dev/null | awk '$1 ~ /^tcp/')
fi
if [ -z "$ports_tool" ]; then
  ports_json='{"status":"unknown","reason":"neither ss nor netstat found"}'
else
  # Column 4 is the local address in both `ss -ltn` and `netstat -ltn`.
  mapfile -t listening < <(awk '{
      addr = $4; port = addr; sub(/.*:/, "", port); host = addr; sub(/:[^:]*$/, "", host)
      if (port !~ /^[0-9]+$/) next
      if (host ~ /^127\./ || host == "[::1]" || host == "::1" || host ~ /%lo$/ || host ~ /^\[?::ffff:127\./) next
      print port
    }' <<<"$ports_raw" | sort -n -u)
  allowed=${SSM_allowedPorts-}
  case $allowed in *[!0-9,]*) note_invalid allowedPorts "$allowed"; allowed='' ;; esac
  listening_json=$(IFS=,; printf '%s' "${listening[*]:0:40}")
  if [ -n "$allowed" ]; then
    not_allowed=()
    for p in "${listening[@]}"; do
      case ",$allowed," in *",$p,"*) ;; *) not_allowed+=("$p") ;; esac
    done
    na_json=$(IFS=,; printf '%s' "${not_allowed[*]:0:40}")
    ports_json="{\"status\":\"ok\",\"listening\":[$listening_json],\"checked\":true,"
    ports_json+="\"notAllowed\":[$na_json],\"notAllowedCount\":${#not_allowed[@]}}"
  else
    ports_json="{\"status\":\"ok\",\"listening\":[$listening_json],\"checked\":false}"
  fi
fi

# --- pending security updates (cache only, never refreshed) --------------------------------
updates_detail=''
if command -v apt-get >/dev/null 2>&1; then
  updates_detail=$(with_timeout 120 apt-get -s -o Debug::NoLocking=1 dist-upgrade 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ]; then
    updates_json="{\"status\":\"unknown\",\"manager\":\"apt\","
    updates_json+="\"reason\":$(json_str "apt-get -s dist-upgrade failed (exit $rc): $(first_line "$updates_detail")")}"
  else
    mapfile -t pkgs < <(awk '/^Inst / && /[Ss]ecurity/ { print $2 }' <<<"$updates_detail")
    newest=$(find /var/lib/apt/lists -maxdepth 1 -type f -name '*Packages*' -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)
    newest=${newest%%.*}
    age=null
    is_uint "$newest" && age=$(( (now - newest) / 3600 ))
    updates_json="{\"status\":\"ok\",\"manager\":\"apt\",\"pending\":${#pkgs[@]},"
    updates_json+="\"packages\":$(json_list "${pkgs[@]}"),\"cacheAgeHours\":$age}"
  fi
elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
  manager=dnf
  if command -v dnf >/dev/null 2>&1; then
    updates_detail=$(with_timeout 120 dnf -q --cacheonly updateinfo list --security 2>&1)
  else
    manager=yum
    updates_detail=$(with_timeout 120 yum -q -C updateinfo list security 2>&1)
  fi
  rc=$?
  if [ "$rc" -ne 0 ]; then
    updates_json="{\"status\":\"unknown\",\"manager\":\"$manager\","
    updates_json+="\"reason\":$(json_str "$manager updateinfo failed (exit $rc): $(first_line "$updates_detail")")}"
  else
    mapfile -t pkgs < <(awk 'NF >= 3 && $2 ~ /[Ss]ec/ { print $3 }' <<<"$updates_detail")
    updates_json="{\"status\":\"ok\",\"manager\":\"$manager\",\"pending\":${#pkgs[@]},"
    updates_json+="\"packages\":$(json_list "${pkgs[@]}"),\"cacheAgeHours\":null}"
  fi
else
  updates_json='{"status":"unknown","reason":"no supported package manager (apt-get, dnf, yum)"}'
fi

# --- world-readable .env files -------------------------------------------------------------
env_files=()
env_missing=()
env_checked=0
rest=${SSM_appPaths-}
while [ -n "$rest" ]; do
  dir=${rest%%:*}
  if [ "$dir" = "$rest" ]; then rest=''; else rest=${rest#*:}; fi
  [ -z "$dir" ] && continue
  case $dir in /*) ;; *) note_invalid appPaths "$dir"; continue ;; esac
  if [ ! -d "$dir" ]; then env_missing+=("$dir"); continue; fi
  env_checked=$((env_checked + 1))
  while IFS= read -r f; do env_files+=("$f"); done < <(
    with_timeout 60 find "$dir" -xdev -maxdepth 6 \( -name node_modules -o -name .git \) -prune -o \
      -type f \( -name .env -o -name '.env.*' \) ! -name '.env.example' ! -name '.env.sample' ! -name '.env.template' ! -name '.env.dist' \
      -perm -0004 -print 2>/dev/null | head -n 200
  )
done
if [ "$env_checked" -eq 0 ] && [ ${#env_missing[@]} -eq 0 ]; then
  env_json='{"status":"skipped"}'
else
  env_json="{\"status\":\"ok\",\"checked\":$env_checked,\"count\":${#env_files[@]},"
  env_json+="\"files\":$(json_list "${env_files[@]}"),\"missing\":$(json_list "${env_missing[@]}")}"
fi

# --- the JSON line -------------------------------------------------------------------------
head_json="{\"v\":1,\"job\":\"security\",\"host\":$(json_str "$host"),\"now\":$now,"
head_json+="\"failedLogins\":$failed_json,\"sshd\":$sshd_json,\"uid0\":$uid0_json,"
head_json+="\"ports\":$ports_json,\"updates\":$updates_json,\"envFiles\":$env_json$(invalid_json)"
patterns=$(IFS=,; printf '%s' "${lp_full[*]}")
omitted=0
if [ $(( ${#head_json} + ${#patterns} + 40 )) -gt "$JSON_BUDGET" ]; then
  # Too long with the echoed patterns: keep counts only (the function knows the patterns by index).
  patterns=''
  for entry in "${lp_short[@]}"; do
    if [ $(( ${#head_json} + ${#patterns} + ${#entry} + 40 )) -le "$JSON_BUDGET" ]; then
      patterns+=${patterns:+,}$entry
    else
      omitted=$((omitted + 1))
    fi
  done
fi
printf '%s,"logPatterns":[%s],"logPatternsOmitted":%d}\n' "$head_json" "$patterns" "$omitted"

# --- detail for the S3 output --------------------------------------------------------------
echo "--- failed SSH logins (source ${fl_source:-none}, last ${window}s) ---"
echo "${fl_result:-unknown}"
echo '--- sshd -T (selected) ---'
awk '$1 ~ /^(permitrootlogin|passwordauthentication|kbdinteractiveauthentication|pubkeyauthentication|port)$/' <<<"$sshd_out"
echo "--- listening TCP ports (${ports_tool:-none}) ---"
printf '%s\n' "$ports_raw"
echo '--- pending updates ---'
printf '%s\n' "$updates_detail" | grep -E '^Inst |Sec' | head -n 200
echo '--- world-readable .env files ---'
printf '%s\n' "${env_files[@]}"
exit 0
