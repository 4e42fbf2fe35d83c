#!/usr/bin/env bash
# ops-autopilot disk check: space and inode use of every real local filesystem and of the
# configured paths. Runs on the server through SSM Run Command (document "disk"), or locally
# with `autopilot run disk --local`. ../lib/common.sh is put in front of it when it is read
# (bash re-exec, LC_ALL=C, json_str, with_timeout, note_invalid, require_contract, ...).
#
# Parameters come ONLY from environment variables (SSM document parameters with
# interpolationType ENV_VAR arrive as SSM_<name>); nothing is ever spliced into shell text:
#   SSM_contract  "1"; unset means the SSM Agent did not pass parameters as environment variables
#   SSM_paths     configured paths, ":"-separated (may be empty)
#
# Output: ONE compact JSON line first (under 2,500 characters; the function parses it), then
# human-readable detail for the command's S3 output. Percentages are df's "Capacity" (what
# `df -h` shows, reserved blocks counted as used) and "IUse%"; null where a filesystem has no
# inode count (vfat, btrfs).

readonly DF_TIMEOUT=30
# Pseudo, in-memory and read-only image filesystems: their use says nothing about the server.
SKIP_TYPES=" tmpfs devtmpfs overlay squashfs proc sysfs cgroup cgroup2 devpts mqueue debugfs tracefs securityfs pstore bpf autofs "
SKIP_TYPES+="configfs fusectl hugetlbfs binfmt_misc nsfs ramfs rpc_pipefs efivarfs selinuxfs fuse.lxcfs fuse.gvfsd-fuse fuse.portal nfsd "
SKIP_TYPES+="iso9660 udf "
readonly SKIP_TYPES

# A percentage field of df ("45%", "-") as a JSON number or null.
json_pct() {
  local p=${1%\%}
  case $p in
    '' | *[!0-9]*) printf 'null' ;;
    *) printf '%s' "$((10#$p))" ;;
  esac
}

run_df() {
  with_timeout "$DF_TIMEOUT" df "$@"
}

# df -P -T output as tab-separated `source type sizeKb used% mount` (the mount may hold spaces).
df_rows() {
  run_df -P -T "$@" 2>/dev/null | awk 'NR > 1 && NF >= 7 {
    mount = $7; for (i = 8; i <= NF; i++) mount = mount " " $i
    printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, $6, mount
  }'
}

require_contract disk

host=$(host_name)
if ! command -v df >/dev/null 2>&1; then
  printf '{"v":1,"job":"disk","host":%s,"error":"df not found"}\n' "$(json_str "$host")"
  exit 0
fi

declare -A inode_pct=()
while IFS=$'\t' read -r _src _type _size pct mount; do
  inode_pct[$mount]=$pct
done < <(df_rows -l -i)

# Each entry: "<sort key>\t<json object>", worst first, so a cut keeps what matters.
entries=()
declare -A seen_source=()
while IFS=$'\t' read -r src type size pct mount; do
  case $SKIP_TYPES in *" $type "*) continue ;; esac
  # Bind mounts repeat a device: report it once, at its first (usually shortest) mount point.
  if [ -n "${seen_source[$src]+x}" ] && [ "${src:0:1}" = / ]; then continue; fi
  seen_source[$src]=1
  used=$(json_pct "$pct")
  inodes=$(json_pct "${inode_pct[$mount]-}")
  key=$used
  if [ "$inodes" != null ] && { [ "$used" = null ] || [ "$inodes" -gt "$used" ]; }; then key=$inodes; fi
  [ "$key" = null ] && key=0
  entry_json="{\"mount\":$(json_str "$mount"),\"fs\":$(json_str "$type"),"
  entry_json+="\"source\":$(json_str "$src"),\"sizeKb\":$((10#${size//[!0-9]/0})),\"usedPct\":$used,\"inodesPct\":$inodes}"
  entries+=("$key"$'\t'"$entry_json")
done < <(df_rows -l)
fs_status=ok
[ ${#entries[@]} -eq 0 ] && fs_status=unknown

paths=${SSM_paths-}
while [ -n "$paths" ]; do
  path=${paths%%:*}
  if [ "$path" = "$paths" ]; then paths=''; else paths=${paths#*:}; fi
  [ -z "$path" ] && continue
  case $path in
    /*) ;;
    *) note_invalid paths "$path"; continue ;;
  esac
  if [ ! -e "$path" ]; then
    entries+=("999"$'\t'"{\"path\":$(json_str "$path"),\"status\":\"missing\"}")
    continue
  fi
  row=$(df_rows -- "$path" | head -n 1)
  irow=$(df_rows -i -- "$path" | head -n 1)
  if [ -z "$row" ]; then
    entries+=("999"$'\t'"{\"path\":$(json_str "$path"),\"status\":\"unknown\",\"reason\":\"df gave no answer\"}")
    continue
  fi
  IFS=$'\t' read -r src type size pct mount <<<"$row"
  IFS=$'\t' read -r _ _ _ ipct _ <<<"$irow"
  used=$(json_pct "$pct")
  inodes=$(json_pct "${ipct-}")
  key=$used
  if [ "$inodes" != null ] && { [ "$used" = null ] || [ "$inodes" -gt "$used" ]; }; then key=$inodes; fi
  [ "$key" = null ] && key=0
  entry_json="{\"path\":$(json_str "$path"),\"mount\":$(json_str "$mount"),\"fs\":$(json_str "$type"),"
  entry_json+="\"source\":$(json_str "$src"),\"sizeKb\":$((10#${size//[!0-9]/0})),\"usedPct\":$used,\"inodesPct\":$inodes}"
  entries+=("$key"$'\t'"$entry_json")
done

head_json="{\"v\":1,\"job\":\"disk\",\"host\":$(json_str "$host"),\"status\":\"$fs_status\"$(invalid_json)"
body=''
omitted=0
omitted_max=0
if [ ${#entries[@]} -gt 0 ]; then
  while IFS=$'\t' read -r key entry; do
    if [ $(( ${#head_json} + ${#body} + ${#entry} + 60 )) -le "$JSON_BUDGET" ]; then
      body+=${body:+,}$entry
    else
      omitted=$((omitted + 1))
      [ "$key" -gt "$omitted_max" ] && omitted_max=$key
    fi
  done < <(printf '%s\n' "${entries[@]}" | sort -t $'\t' -k1,1nr)
fi
printf '%s,"entries":[%s],"omitted":%d,"omittedMaxPct":%d}\n' "$head_json" "$body" "$omitted" "$omitted_max"

echo '--- df -h (space) ---'
run_df -h -P -T 2>&1
echo '--- df -i (inodes) ---'
run_df -i -P -T 2>&1
exit 0
