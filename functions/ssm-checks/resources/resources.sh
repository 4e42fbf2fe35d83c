#!/usr/bin/env bash
# ops-autopilot resources check, the runbooks' `top`, `free -h`, `ps aux | grep ...`, `pm2 status` and
# `systemctl status` rounds, with no agent and no extra package (bash, coreutils, awk):
#   - CPU use averaged over the whole interval since the previous run, from the /proc/stat counters this
#     script keeps on the host (first run, after a reboot or a stale sample: a short sample, said so)
#   - memory in use (MemTotal - MemAvailable), swap in use, load average per CPU
#   - configured processes: by command line (a fixed string), systemd unit or PM2 app; how many run,
#     their resident size, and the restart count of units and PM2 apps against the previous run's
# It measures and reports; the function applies thresholds and the severity matrix.
# ../lib/common.sh is put in front of it when it is read (bash re-exec, LC_ALL=C, json_str, ...).
#
# Parameters come ONLY from environment variables (SSM document parameters with
# interpolationType ENV_VAR arrive as SSM_<name>); nothing is ever spliced into shell text:
#   SSM_contract   "1"; unset means the SSM Agent did not pass parameters as environment variables
#   SSM_stateKey   names this target's state file (a target name: lowercase letters, digits, "-")
#   SSM_processes  ";"-separated "<match|unit|pm2> <base64 of the command-line string, unit or app name>"
# Overrides for tests (an SSM document never sets them): AUTOPILOT_PROC_ROOT (a fixture /proc),
# AUTOPILOT_STATE_DIR (instead of /var/lib/ops-autopilot), AUTOPILOT_NOW (epoch seconds).
#
# State: <state dir>/resources-<stateKey>.state, in a directory the script creates 0700 (root's
# /var/lib/ops-autopilot under SSM) and uses only while it is a real directory owned by the user
# running the script that nobody else can write. Lines: "v 1", "cpu <btime> <epoch> <total> <idle>
# <iowait> <steal>", "restarts <unit|pm2> <base64 name> <count>". Read with `read`, never sourced.
#
# Output: ONE compact JSON line first (under 2,500 characters; the function parses it), then
# human-readable detail for the command's S3 output (no command line is printed: arguments can
# hold secrets).

readonly PROC=${AUTOPILOT_PROC_ROOT:-/proc}
# An older sample than this says little about the last interval: take a short one instead.
readonly STATE_MAX_AGE=172800
readonly SHORT_SAMPLE_SECONDS=1
readonly MAX_PROCESSES=20

require_contract resources

host=$(host_name)
now=${AUTOPILOT_NOW:-$(date +%s)}
is_uint "$now" || now=$(date +%s)

# A kernel counter: digits only, at most 18 (sums of eight stay inside bash's 64-bit arithmetic).
is_count() {
  case $1 in '' | *[!0-9]*) return 1 ;; *) [ "${#1}" -le 18 ] ;; esac
}

# Per-mille as a JSON number with one decimal: 234 -> 23.4
per_mille() {
  printf '%d.%d' "$(($1 / 10))" "$(($1 % 10))"
}

# --- state ---------------------------------------------------------------------------------
state_key=${SSM_stateKey:-default}
case $state_key in
  [a-z0-9]*) case $state_key in *[!a-z0-9-]*) note_invalid stateKey "$state_key"; state_key='' ;; esac ;;
  *) note_invalid stateKey "$state_key"; state_key='' ;;
esac
[ "${#state_key}" -gt 40 ] && { note_invalid stateKey "$state_key"; state_key=''; }

if [ -n "${AUTOPILOT_STATE_DIR:-}" ]; then
  state_dir=$AUTOPILOT_STATE_DIR
elif [ "$EUID" -eq 0 ]; then
  state_dir=/var/lib/ops-autopilot
else
  state_dir=${XDG_STATE_HOME:-${HOME:-/nonexistent}/.local/state}/ops-autopilot
fi

# Makes the state directory when missing; succeeds only when it is safe to keep state in (else sets state_reason).
state_reason=''
usable_state_dir() {
  local dir=$1 mode
  if [ ! -e "$dir" ] && ! (umask 077 && mkdir -p -- "$dir") 2>/dev/null; then
    state_reason="cannot create $dir"
    return 1
  fi
  if [ -L "$dir" ]; then
    state_reason="$dir is a symbolic link"
    return 1
  fi
  if [ ! -d "$dir" ]; then
    state_reason="$dir is not a directory"
    return 1
  fi
  if [ ! -O "$dir" ]; then
    state_reason="$dir belongs to another user"
    return 1
  fi
  mode=$(stat -c %a -- "$dir" 2>/dev/null) || mode=''
  case $mode in '' | *[!0-7]*) state_reason="cannot read the mode of $dir"; return 1 ;; esac
  if [ $((8#$mode & 8#022)) -ne 0 ]; then
    state_reason="$dir is writable by others (mode $mode)"
    return 1
  fi
  if [ ! -w "$dir" ]; then
    state_reason="$dir is not writable"
    return 1
  fi
}

state_file=''
if [ -z "$state_key" ]; then
  state_reason='the stateKey parameter was refused'
elif usable_state_dir "$state_dir"; then
  state_file=$state_dir/resources-$state_key.state
fi

prev_btime='' prev_time='' prev_total='' prev_idle='' prev_iowait='' prev_steal=''
declare -A prev_restarts=()
if [ -n "$state_file" ] && [ -f "$state_file" ] && [ ! -L "$state_file" ]; then
  while read -r tag a b c d e f _; do
    case $tag in
      cpu)
        if is_count "$a" && is_count "$b" && is_count "$c" && is_count "$d" && is_count "$e" && is_count "$f"; then
          prev_btime=$a prev_time=$b prev_total=$c prev_idle=$d prev_iowait=$e prev_steal=$f
        fi
        ;;
      restarts)
        case $a in unit | pm2) ;; *) continue ;; esac
        case $b in '' | *[!A-Za-z0-9+/=]*) continue ;; esac
        is_count "$c" && prev_restarts["$a $b"]=$c
        ;;
    esac
  done < <(head -c 65536 -- "$state_file" 2>/dev/null)
fi
declare -A new_restarts=()

# --- CPU -----------------------------------------------------------------------------------
# Sets cpu_total cpu_idle cpu_iowait cpu_steal (USER_HZ ticks, all CPUs), cpus and btime from /proc/stat.
read_cpu() {
  local tag user nice system idle iowait irq softirq steal _rest
  cpu_total='' cpus=0 btime=''
  while read -r tag user nice system idle iowait irq softirq steal _rest; do
    case $tag in
      cpu)
        iowait=${iowait:-0} irq=${irq:-0} softirq=${softirq:-0} steal=${steal:-0}
        if ! { is_count "$user" && is_count "$nice" && is_count "$system" && is_count "$idle" && is_count "$iowait" &&
          is_count "$irq" && is_count "$softirq" && is_count "$steal"; }; then
          continue
        fi
        # guest time is already inside user time: not added again.
        cpu_total=$((user + nice + system + idle + iowait + irq + softirq + steal))
        cpu_idle=$idle cpu_iowait=$iowait cpu_steal=$steal
        ;;
      cpu[0-9]*) cpus=$((cpus + 1)) ;;
      btime) is_count "$user" && btime=$user ;;
    esac
  done 2>/dev/null < "$PROC/stat"
  [ -n "$cpu_total" ]
}

cpu_json='' cpu_detail=''
sample_time=$now
if ! read_cpu; then
  cpu_json="{\"status\":\"unknown\",\"reason\":$(json_str "$PROC/stat is not readable")}"
  cpus=0
else
  sample=interval reason=''
  if [ -z "$prev_time" ]; then
    reason=${state_file:+no earlier sample on this host}
    reason=${reason:-state not kept: $state_reason}
  elif [ "$prev_btime" != "$btime" ]; then
    reason='the host restarted since the previous sample'
  elif [ $((now - prev_time)) -gt "$STATE_MAX_AGE" ] || [ "$now" -lt "$prev_time" ]; then
    reason="the previous sample is $(((now - prev_time) / 3600)) hours old"
  elif [ "$cpu_total" -lt "$prev_total" ] || [ "$cpu_idle" -lt "$prev_idle" ] || [ "$cpu_iowait" -lt "$prev_iowait" ] ||
    [ "$cpu_steal" -lt "$prev_steal" ]; then
    reason='the CPU counters went back since the previous sample'
  elif [ $((cpu_total - prev_total)) -lt $((cpus > 0 ? cpus * 50 : 50)) ]; then
    reason='the previous sample is under half a second old'
  fi
  if [ -n "$reason" ]; then
    sample=short
    prev_total=$cpu_total prev_idle=$cpu_idle prev_iowait=$cpu_iowait prev_steal=$cpu_steal prev_time=$now
    sleep "$SHORT_SAMPLE_SECONDS"
    read_cpu
    sample_time=$((now + SHORT_SAMPLE_SECONDS))
  fi
  d_total=$((cpu_total - prev_total))
  d_idle=$((cpu_idle - prev_idle))
  d_iowait=$((cpu_iowait - prev_iowait))
  d_steal=$((cpu_steal - prev_steal))
  seconds=$((sample_time - prev_time))
  if [ "$d_total" -le 0 ]; then
    reason="no CPU time passed between the samples${reason:+ (a short sample: $reason)}"
    cpu_json="{\"status\":\"unknown\",\"sample\":\"$sample\",\"seconds\":$seconds,\"reason\":$(json_str "$reason")}"
  else
    common="\"sample\":\"$sample\",\"seconds\":$seconds${reason:+,\"reason\":$(json_str "$reason")}"
    busy=$((d_total - d_idle - d_iowait))
    [ "$busy" -lt 0 ] && busy=0
    pct=$(((busy * 1000 + d_total / 2) / d_total))
    cpu_json="{\"status\":\"ok\",\"pct\":$(per_mille "$pct"),\"iowaitPct\":$(per_mille $(((d_iowait * 1000 + d_total / 2) / d_total))),"
    cpu_json+="\"stealPct\":$(per_mille $(((d_steal * 1000 + d_total / 2) / d_total))),$common}"
    cpu_detail="cpu: $(per_mille "$pct")% busy over ${seconds}s ($sample sample), $d_total ticks on $cpus CPUs"
  fi
fi

# --- memory and swap -----------------------------------------------------------------------
mem_total='' mem_available='' mem_free='' mem_buffers='' mem_cached='' swap_total='' swap_free=''
while read -r key value _; do
  is_count "$value" || continue
  case $key in
    MemTotal:) mem_total=$value ;;
    MemAvailable:) mem_available=$value ;;
    MemFree:) mem_free=$value ;;
    Buffers:) mem_buffers=$value ;;
    Cached:) mem_cached=$value ;;
    SwapTotal:) swap_total=$value ;;
    SwapFree:) swap_free=$value ;;
  esac
done 2>/dev/null < "$PROC/meminfo"
estimated=false
if [ -z "$mem_available" ] && [ -n "$mem_free" ]; then
  # Kernels before 3.14 have no MemAvailable: free + buffers + page cache is the usual estimate.
  mem_available=$((mem_free + ${mem_buffers:-0} + ${mem_cached:-0}))
  estimated=true
fi
if [ -z "$mem_total" ] || [ "$mem_total" -eq 0 ] || [ -z "$mem_available" ]; then
  memory_json="{\"status\":\"unknown\",\"reason\":$(json_str "no MemTotal and MemAvailable in $PROC/meminfo")}"
else
  used=$((mem_total - mem_available))
  [ "$used" -lt 0 ] && used=0
  memory_json="{\"status\":\"ok\",\"pct\":$(per_mille $(((used * 1000 + mem_total / 2) / mem_total))),\"totalKb\":$mem_total,"
  memory_json+="\"availableKb\":$mem_available,\"estimated\":$estimated}"
fi
if [ -z "$swap_total" ] || [ -z "$swap_free" ]; then
  swap_json="{\"status\":\"unknown\",\"reason\":$(json_str "no SwapTotal and SwapFree in $PROC/meminfo")}"
elif [ "$swap_total" -eq 0 ]; then
  swap_json='{"status":"ok","pct":null,"totalKb":0,"usedKb":0}'
else
  swap_used=$((swap_total - swap_free))
  [ "$swap_used" -lt 0 ] && swap_used=0
  swap_json="{\"status\":\"ok\",\"pct\":$(per_mille $(((swap_used * 1000 + swap_total / 2) / swap_total))),"
  swap_json+="\"totalKb\":$swap_total,\"usedKb\":$swap_used}"
fi

# --- load per CPU --------------------------------------------------------------------------
# "0.52" -> 52 (hundredths), or nothing.
hundredths() {
  case $1 in
    *[!0-9.]* | .* | *. | *.*.* | '') return 1 ;;
    *.*) local int=${1%%.*} frac=${1#*.}00; printf '%d' "$((10#$int * 100 + 10#${frac:0:2}))" ;;
    *) printf '%d' "$((10#$1 * 100))" ;;
  esac
}
load_json='{"status":"unknown","reason":"no load average"}'
if read -r l1 l5 l15 _ 2>/dev/null < "$PROC/loadavg"; then
  h1=$(hundredths "$l1") h5=$(hundredths "$l5") h15=$(hundredths "$l15")
  n=$cpus
  [ "$n" -gt 0 ] || n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 0)
  is_uint "$n" || n=0
  if [ -n "$h1" ] && [ -n "$h5" ] && [ -n "$h15" ] && [ "$n" -gt 0 ]; then
    per=$(((h15 + n / 2) / n))
    load_json="{\"status\":\"ok\",\"cpus\":$n,\"load1\":$l1,\"load5\":$l5,\"load15\":$l15,"
    load_json+="\"perCore\":$((per / 100)).$(printf '%02d' $((per % 100)))}"
  fi
fi

# --- processes -----------------------------------------------------------------------------
# Every process's command line (arguments joined by spaces), but this script's and its ancestors'.
ps_pids=() ps_cmds=()
scanned=0
scan_processes() {
  [ "$scanned" = 1 ] && return
  scanned=1
  local pid dir arg cmd key val
  local -A skip=()
  pid=$$
  while is_uint "$pid" && [ "$pid" -gt 1 ] && [ -z "${skip[$pid]+x}" ]; do
    skip[$pid]=1
    val=''
    while read -r key val _; do [ "$key" = PPid: ] && break; val=''; done 2>/dev/null < "$PROC/$pid/status"
    pid=$val
  done
  for dir in "$PROC"/[0-9]*; do
    pid=${dir##*/}
    is_uint "$pid" || continue
    [ -n "${skip[$pid]+x}" ] && continue
    cmd=''
    # Empty arguments are skipped: a process that set its title (node, PM2) leaves NUL padding behind it.
    while IFS= read -r -d '' arg || [ -n "$arg" ]; do [ -n "$arg" ] && cmd+=${cmd:+ }$arg; done 2>/dev/null < "$dir/cmdline"
    [ -z "$cmd" ] && continue
    ps_pids+=("$pid")
    ps_cmds+=("$cmd")
  done
}

# Sets rss_kb to the resident size of process $1 (0 when gone).
rss_of() {
  local key val
  rss_kb=0
  while read -r key val _; do
    if [ "$key" = VmRSS: ]; then is_count "$val" && rss_kb=$val; return; fi
  done 2>/dev/null < "$PROC/$1/status"
}

# The restart counts before: a JSON number, or null on the first run.
restarts_before() { # kind b64
  local v=${prev_restarts["$1 $2"]-}
  printf '%s' "${v:-null}"
}

proc_detail=()

check_match() { # index pattern
  local i=$1 pattern=$2 k count=0 max=0 total=0 shown=0
  scan_processes
  for k in "${!ps_cmds[@]}"; do
    case ${ps_cmds[$k]} in
      *"$pattern"*)
        rss_of "${ps_pids[$k]}"
        count=$((count + 1))
        total=$((total + rss_kb))
        [ "$rss_kb" -gt "$max" ] && max=$rss_kb
        if [ "$shown" -lt 20 ]; then
          local argv0=${ps_cmds[$k]%% *}
          proc_detail+=("  [$i] pid ${ps_pids[$k]} rss ${rss_kb} kB ${argv0##*/}")
          shown=$((shown + 1))
        fi
        ;;
    esac
  done
  entry_json="{\"i\":$i,\"status\":\"ok\",\"count\":$count,\"rssKb\":$max,\"totalRssKb\":$total}"
}

# Sums the resident size of the processes of a systemd unit's cgroup (v2, or v1's systemd hierarchy).
unit_cgroup_rss() { # control group -> sets unit_count unit_total unit_max; fails when unreadable
  local cg=$1 procs pid
  unit_count=0 unit_total=0 unit_max=0
  for procs in "/sys/fs/cgroup$cg/cgroup.procs" "/sys/fs/cgroup/systemd$cg/cgroup.procs" "/sys/fs/cgroup/unified$cg/cgroup.procs"; do
    [ -r "$procs" ] || continue
    while read -r pid; do
      is_uint "$pid" || continue
      rss_of "$pid"
      unit_count=$((unit_count + 1))
      unit_total=$((unit_total + rss_kb))
      [ "$rss_kb" -gt "$unit_max" ] && unit_max=$rss_kb
    done 2>/dev/null < "$procs"
    return 0
  done
  return 1
}

check_unit() { # index unit b64
  local i=$1 unit=$2 b64=$3 out rc key value load='' active='' sub='' main='' restarts='' cg=''
  if ! command -v systemctl >/dev/null 2>&1; then
    entry_json="{\"i\":$i,\"status\":\"unknown\",\"reason\":\"systemctl not found (no systemd on this host)\"}"
    return
  fi
  out=$(with_timeout 20 systemctl show --property=LoadState,ActiveState,SubState,MainPID,NRestarts,ControlGroup -- "$unit" 2>&1)
  rc=$?
  while IFS='=' read -r key value; do
    case $key in
      LoadState) load=$value ;;
      ActiveState) active=$value ;;
      SubState) sub=$value ;;
      MainPID) main=$value ;;
      NRestarts) restarts=$value ;;
      ControlGroup) cg=$value ;;
    esac
  done <<<"$out"
  if [ "$rc" -ne 0 ] || [ -z "$active" ]; then
    entry_json="{\"i\":$i,\"status\":\"unknown\",\"reason\":$(json_str "systemctl show failed (exit $rc): $(first_line "$out")")}"
    return
  fi
  local count=0 max=0 total=0
  case $active in
    active | reloading)
      case $cg in
        /*) unit_cgroup_rss "$cg" && count=$unit_count max=$unit_max total=$unit_total ;;
      esac
      if [ "$count" -eq 0 ] && is_uint "$main" && [ "$main" -gt 0 ]; then
        rss_of "$main"
        count=1 max=$rss_kb total=$rss_kb
      fi
      # An active unit with no process (a oneshot that stays active) still counts as running.
      [ "$count" -eq 0 ] && count=1
      ;;
  esac
  local restarts_json=null
  if is_count "$restarts"; then
    restarts_json=$restarts
    new_restarts["unit $b64"]=$restarts
  fi
  entry_json="{\"i\":$i,\"status\":\"ok\",\"load\":$(json_str "${load:0:40}"),\"active\":$(json_str "${active:0:40}"),"
  entry_json+="\"sub\":$(json_str "${sub:0:40}"),\"count\":$count,\"rssKb\":$max,\"totalRssKb\":$total,"
  entry_json+="\"restarts\":$restarts_json,\"restartsBefore\":$(restarts_before unit "$b64")}"
  proc_detail+=("  [$i] unit: LoadState=$load ActiveState=$active SubState=$sub MainPID=$main NRestarts=$restarts")
}

# PM2 keeps one daemon per user ("PM2 v5.3.0: God Daemon (/home/deploy/.pm2)"). `pm2 jlist` is asked of each
# running daemon as the daemon's own user; it is never run where no daemon runs, because any pm2 command
# starts a daemon for the user running it.
# shellcheck disable=SC2016 # an awk program, not shell text
readonly PM2_JSON_AWK='
# Reads `pm2 jlist` JSON split at double quotes (RS="\""): odd records are inside strings. Prints
# "<app index>\t<field>\t<value>" for name, pid, pm2_env.status, pm2_env.restart_time and monit.memory.
function unescape(s,    out, k, c, h) {
  out = ""
  while ((k = index(s, "\\")) > 0) {
    out = out substr(s, 1, k - 1); c = substr(s, k + 1, 1)
    if (c == "u" && substr(s, k + 2, 2) == "00" && substr(s, k + 4, 2) ~ /^[2-7][0-9A-Fa-f]$/) {
      h = substr(s, k + 4, 2); out = out sprintf("%c", hex[substr(h, 1, 1)] * 16 + hex[substr(h, 2, 1)]); s = substr(s, k + 6)
    } else if (c == "\"" || c == "\\" || c == "/") { out = out c; s = substr(s, k + 2) }
    else { out = out "\\" c; s = substr(s, k + 2) }
  }
  return out s
}
function begin_value() { if (type[depth] == "a") idx[depth]++ }
function value(v,    k) {
  begin_value()
  if (depth == 2 && type[1] == "a" && type[2] == "o" && (key[2] == "name" || key[2] == "pid")) k = key[2]
  else if (depth == 3 && type[1] == "a" && key[2] == "pm2_env" && (key[3] == "status" || key[3] == "restart_time")) k = "pm2_env." key[3]
  else if (depth == 3 && type[1] == "a" && key[2] == "monit" && key[3] == "memory") k = "monit.memory"
  if (k != "") { gsub(/[\t\r\n]/, "?", v); printf "%d\t%s\t%s\n", idx[1], k, v }
}
function literal() { if (lit != "") { value(lit); lit = "" } }
BEGIN {
  split("0 1 2 3 4 5 6 7 8 9 A B C D E F", digits, " ")
  for (d = 1; d <= 16; d++) { hex[digits[d]] = d - 1; hex[tolower(digits[d])] = d - 1 }
  depth = 0; instring = 0; buffer = ""; lit = ""; done = 0
}
done { next }
instring {
  buffer = buffer $0
  # A quote after an odd number of backslashes is part of the string.
  if (match($0, /\\+$/) && RLENGTH % 2 == 1) { buffer = buffer "\""; next }
  s = unescape(buffer); buffer = ""; instring = 0
  if (type[depth] == "o" && wantkey[depth]) { key[depth] = s; wantkey[depth] = 0 } else value(s)
  next
}
{
  n = length($0)
  for (p = 1; p <= n; p++) {
    c = substr($0, p, 1)
    if (c == "{" || c == "[") {
      literal(); begin_value(); depth++
      type[depth] = (c == "{") ? "o" : "a"; wantkey[depth] = (c == "{"); idx[depth] = -1; key[depth] = ""
    } else if (c == "}" || c == "]") {
      literal(); depth--
      if (depth <= 0) { done = 1; break }
    } else if (c == ",") {
      literal(); if (type[depth] == "o") wantkey[depth] = 1
    } else if (c == ":" || c == " " || c == "\t" || c == "\n" || c == "\r") {
      literal()
    } else lit = lit c
  }
  if (!done) { literal(); instring = 1 }
}'

pm2_loaded=0 pm2_problem='' pm2_daemons=0
declare -A pm2_name=() pm2_state=() pm2_restart=() pm2_memory=()
load_pm2() {
  [ "$pm2_loaded" = 1 ] && return
  pm2_loaded=1
  scan_processes
  local k cmd home pid uid gid key val exe bindir pm2 user out rc d=0 i field value
  for k in "${!ps_cmds[@]}"; do
    cmd=${ps_cmds[$k]}
    case $cmd in "PM2 v"*": God Daemon ("*")"*) ;; *) continue ;; esac
    home=${cmd#*: God Daemon (}
    home=${home%)*}
    pid=${ps_pids[$k]}
    pm2_daemons=$((pm2_daemons + 1))
    uid='' gid=''
    while read -r key val _; do
      case $key in Uid:) uid=$val ;; Gid:) gid=$val ;; esac
    done 2>/dev/null < "$PROC/$pid/status"
    exe=$(readlink -- "$PROC/$pid/exe" 2>/dev/null) || exe=''
    bindir=${exe%/*}
    pm2=$(command -v pm2 2>/dev/null) || pm2=''
    # npm installs pm2 beside the node that runs its daemon (also under nvm, off root's PATH).
    if [ -z "$pm2" ] && [ -n "$bindir" ] && [ -x "$bindir/pm2" ]; then pm2=$bindir/pm2; fi
    if [ -z "$pm2" ]; then
      pm2_problem="a PM2 daemon runs ($home) but pm2 is not on PATH nor beside its node"
      continue
    fi
    local runner=()
    if [ "$uid" = "$EUID" ]; then
      runner=()
    elif [ "$EUID" -eq 0 ] && is_uint "$uid"; then
      user=$(getent passwd "$uid" 2>/dev/null | cut -d: -f1)
      if [ -n "$user" ] && command -v runuser >/dev/null 2>&1; then
        runner=(runuser -u "$user" --)
      elif is_uint "$gid" && command -v setpriv >/dev/null 2>&1; then
        runner=(setpriv "--reuid=$uid" "--regid=$gid" --clear-groups)
      else
        pm2_problem="cannot run pm2 as the owner (uid $uid) of the PM2 daemon of $home: no runuser or setpriv"
        continue
      fi
    else
      pm2_problem="the PM2 daemon of $home belongs to uid ${uid:-?}; run the check as root or as that user"
      continue
    fi
    out=$(with_timeout 30 "${runner[@]}" env "PM2_HOME=$home" "PATH=${bindir:+$bindir:}$PATH" "$pm2" jlist 2>/dev/null)
    rc=$?
    if [ "$rc" -ne 0 ]; then
      pm2_problem="pm2 jlist failed (exit $rc) for $home"
      continue
    fi
    while IFS=$'\t' read -r i field value; do
      is_uint "$i" || continue
      case $field in
        name) pm2_name["$d.$i"]=$value ;;
        pm2_env.status) pm2_state["$d.$i"]=$value ;;
        pm2_env.restart_time) is_count "$value" && pm2_restart["$d.$i"]=$value ;;
        monit.memory) is_count "$value" && pm2_memory["$d.$i"]=$((value / 1024)) ;;
      esac
    done < <(awk 'found || /^[ \t]*\[[ \t]*([{\]]|$)/ { found = 1; print }' <<<"$out" | awk -v RS='"' "$PM2_JSON_AWK")
    d=$((d + 1))
  done
}

check_pm2() { # index app b64
  local i=$1 app=$2 b64=$3 k instances=0 online=0 max=0 total=0 restarts=0 states=()
  load_pm2
  for k in "${!pm2_name[@]}"; do
    [ "${pm2_name[$k]}" = "$app" ] || continue
    instances=$((instances + 1))
    local state=${pm2_state[$k]:-unknown}
    if [ "$state" = online ]; then online=$((online + 1)); else states+=("$state"); fi
    restarts=$((restarts + ${pm2_restart[$k]:-0}))
    local mem=${pm2_memory[$k]:-0}
    total=$((total + mem))
    [ "$mem" -gt "$max" ] && max=$mem
    proc_detail+=("  [$i] pm2 instance ${k#*.}: $state, restarts ${pm2_restart[$k]:-?}, memory ${mem} kB")
  done
  if [ "$instances" -eq 0 ] && [ -n "$pm2_problem" ]; then
    entry_json="{\"i\":$i,\"status\":\"unknown\",\"reason\":$(json_str "$pm2_problem")}"
    return
  fi
  local restarts_json=null
  if [ "$instances" -gt 0 ]; then
    restarts_json=$restarts
    new_restarts["pm2 $b64"]=$restarts
  fi
  entry_json="{\"i\":$i,\"status\":\"ok\",\"daemons\":$pm2_daemons,\"instances\":$instances,\"count\":$online,"
  entry_json+="\"states\":$(json_list "${states[@]}"),\"rssKb\":$max,\"totalRssKb\":$total,"
  entry_json+="\"restarts\":$restarts_json,\"restartsBefore\":$(restarts_before pm2 "$b64")}"
}

proc_entries=()
i=0
rest=${SSM_processes-}
while [ -n "$rest" ]; do
  item=${rest%%;*}
  if [ "$item" = "$rest" ]; then rest=''; else rest=${rest#*;}; fi
  [ -z "$item" ] && continue
  kind=${item%% *}
  b64=${item#* }
  value=''
  ok=1
  [ "$i" -ge "$MAX_PROCESSES" ] && ok=0
  case $kind in match | unit | pm2) ;; *) ok=0 ;; esac
  case $b64 in '' | *[!A-Za-z0-9+/=]*) ok=0 ;; esac
  [ "$b64" = "$item" ] && ok=0
  if [ "$ok" = 1 ]; then
    value=$(printf '%s' "$b64" | base64 -d 2>/dev/null) || ok=0
    [ -z "$value" ] && ok=0
    case $value in *[[:cntrl:]]*) ok=0 ;; esac
  fi
  if [ "$ok" = 0 ]; then
    note_invalid processes "$item"
    proc_entries+=("{\"i\":$i,\"status\":\"invalid\"}")
    i=$((i + 1))
    continue
  fi
  entry_json=''
  case $kind in
    match) check_match "$i" "$value" ;;
    unit) check_unit "$i" "$value" "$b64" ;;
    pm2) check_pm2 "$i" "$value" "$b64" ;;
  esac
  proc_entries+=("$entry_json")
  i=$((i + 1))
done

# --- state, written before the report so the report can say whether it was kept --------------
state_json=''
if [ -n "$state_file" ] && [ -n "${cpu_total:-}" ]; then
  tmp=$(mktemp -- "$state_dir/.resources-$state_key.XXXXXX" 2>/dev/null) || tmp=''
  if [ -n "$tmp" ] && {
    printf 'v 1\n'
    printf 'cpu %s %s %s %s %s %s\n' "${btime:-0}" "$sample_time" "$cpu_total" "$cpu_idle" "$cpu_iowait" "$cpu_steal"
    for k in "${!new_restarts[@]}"; do printf 'restarts %s %s\n' "$k" "${new_restarts[$k]}"; done
  } >"$tmp" 2>/dev/null && mv -f -- "$tmp" "$state_file" 2>/dev/null; then
    state_json="{\"status\":\"ok\",\"file\":$(json_str "$state_file")}"
  else
    [ -n "$tmp" ] && rm -f -- "$tmp"
    state_reason="cannot write $state_file"
  fi
fi
[ -z "$state_json" ] && state_json="{\"status\":\"unavailable\",\"reason\":$(json_str "${state_reason:-no CPU counters to keep}")}"

# --- the JSON line -------------------------------------------------------------------------
head_json="{\"v\":1,\"job\":\"resources\",\"host\":$(json_str "$host"),\"now\":$now,\"cpu\":${cpu_json:-null},"
head_json+="\"memory\":$memory_json,\"swap\":$swap_json,\"load\":$load_json,\"state\":$state_json$(invalid_json)"
body=''
omitted=0
for entry in "${proc_entries[@]}"; do
  if [ $(( ${#head_json} + ${#body} + ${#entry} + 40 )) -le "$JSON_BUDGET" ]; then
    body+=${body:+,}$entry
  else
    omitted=$((omitted + 1))
  fi
done
printf '%s,"processes":[%s],"processesOmitted":%d}\n' "$head_json" "$body" "$omitted"

# --- detail for the S3 output --------------------------------------------------------------
echo '--- cpu ---'
echo "${cpu_detail:-unknown}"
echo '--- memory (kB) ---'
echo "MemTotal $mem_total MemAvailable $mem_available SwapTotal $swap_total SwapFree $swap_free"
echo '--- load ---'
head -n 1 -- "$PROC/loadavg" 2>/dev/null
echo '--- processes (pid, resident size, program; arguments are not printed) ---'
printf '%s\n' "${proc_detail[@]}"
exit 0
