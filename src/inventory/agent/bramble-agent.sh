#!/bin/sh
# Bramble inventory agent: posts this machine's hardware facts from /proc, /sys and /sys/class/dmi/id as one JSON object (read by src/inventory/agent-facts.ts); POSIX sh for a bare busybox initramfs.
#
# Usage: bramble-agent.sh [--print] URL TOKEN      (or env BRAMBLE_URL, BRAMBLE_TOKEN)
#   --print              write the JSON to stdout instead of posting it
#   BRAMBLE_AGENT_ROOT   prefix for every /proc and /sys path (tests point it at a fixture tree)
#   BRAMBLE_AGENT_TIMEOUT  seconds to wait for the server (default 60)
# Exit status: 0 posted (or printed), 1 posting failed, 2 usage error. The token is never printed.

set -u

ROOT=${BRAMBLE_AGENT_ROOT:-}
URL=${BRAMBLE_URL:-}
TOKEN=${BRAMBLE_TOKEN:-}
WAIT=${BRAMBLE_AGENT_TIMEOUT:-60}
PRINT=0

usage() {
  echo 'usage: bramble-agent.sh [--print] URL TOKEN   (or env BRAMBLE_URL and BRAMBLE_TOKEN)' >&2
}

# Every failure is one line on stderr: the boot console shows it next to the kernel's messages.
fail() {
  echo "bramble-agent: $1" >&2
  exit "${2:-1}"
}

# Anything that is not --print or --help is positional: base64url tokens may start with "-".
positional=0
for arg in "$@"; do
  case $arg in
    --print) PRINT=1 ;;
    -h | --help) usage; exit 0 ;;
    *)
      positional=$((positional + 1))
      case $positional in
        1) URL=$arg ;;
        2) TOKEN=$arg ;;
        *) usage; exit 2 ;;
      esac
      ;;
  esac
done

# JSON string escaping (RFC 8259 §7), shared by every awk program below. Values reach awk through ENVIRON
# because `awk -v` would interpret backslashes in them. The token is redacted wherever it appears, since a boot
# script may well have put it on the kernel command line that this agent reports.
AWK_JSON='
BEGIN {
  for (i = 1; i < 32; i++) ESC[sprintf("%c", i)] = sprintf("\\u%04x", i)
  ESC[sprintf("%c", 127)] = "\\u007f"
  ESC["\n"] = "\\n"; ESC["\r"] = "\\r"; ESC["\t"] = "\\t"
  ESC["\""] = "\\\""; ESC["\\"] = "\\\\"
}
function redact(s,   secret, out, at) {
  secret = ENVIRON["AGENT_SECRET"]
  if (secret == "") return s
  out = ""
  while ((at = index(s, secret)) > 0) {
    out = out substr(s, 1, at - 1) "[redacted]"
    s = substr(s, at + length(secret))
  }
  return out s
}
function jstr(s,   out, i, n, c) {
  s = redact(s)
  sub(/^[ \t\r\n]+/, "", s)
  sub(/[ \t\r\n]+$/, "", s)
  if (s == "") return "null"
  out = ""
  n = length(s)
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    out = out ((c in ESC) ? ESC[c] : c)
  }
  return "\"" out "\""
}
'

# A JSON string of $1, trimmed; null when empty.
jstr() {
  AGENT_VALUE=$1 AGENT_SECRET=$TOKEN awk "$AWK_JSON"'BEGIN { print jstr(ENVIRON["AGENT_VALUE"]) }'
}

# A file's text without NULs (device-tree strings end in one); nothing when it is missing or unreadable
# (DMI serials are root-only, and sysfs answers EINVAL for the speed of a link that is down).
text() {
  [ -f "$1" ] && tr -d '\000' <"$1" 2>/dev/null
}

# $1 as a decimal integer without leading zeros (so that sh arithmetic does not read it as octal); nothing
# unless it is all digits.
digits() {
  case $1 in '' | *[!0-9]*) return 1 ;; esac
  set -- "$1"
  while :; do
    case $1 in 0?*) set -- "${1#0}" ;; *) break ;; esac
  done
  printf '%s' "$1"
}

jint() {
  digits "$1" || printf null
}

jbool() {
  case $1 in 1) printf true ;; 0) printf false ;; *) printf null ;; esac
}

# The entries of a folder, one a line, hidden ones included (a network interface may be called ".x"; the
# kernel allows no whitespace in its names).
entries() {
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    printf '%s\n' "${entry##*/}"
  done
}

CPUINFO=$ROOT/proc/cpuinfo

# The first value of a /proc/cpuinfo key ("model name", "Serial", ...).
cpuinfo() {
  AGENT_KEY=$1 awk '
    { i = index($0, ":"); if (i == 0) next
      k = substr($0, 1, i - 1); sub(/[ \t]+$/, "", k)
      if (k != ENVIRON["AGENT_KEY"]) next
      v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v; exit }' "$CPUINFO" 2>/dev/null
}

# ARM Ltd cores (implementer 0x41) by part number: arm64 kernels print no model name, only the part. Covers
# every Raspberry Pi (ARM1176, Cortex-A7/A53/A72/A76) and common arm64 boards.
arm_core() {
  case $1 in
    0xb76) echo ARM1176JZF-S ;;
    0xc07) echo ARM Cortex-A7 ;;
    0xc09) echo ARM Cortex-A9 ;;
    0xc0f) echo ARM Cortex-A15 ;;
    0xd03) echo ARM Cortex-A53 ;;
    0xd04) echo ARM Cortex-A35 ;;
    0xd05) echo ARM Cortex-A55 ;;
    0xd07) echo ARM Cortex-A57 ;;
    0xd08) echo ARM Cortex-A72 ;;
    0xd09) echo ARM Cortex-A73 ;;
    0xd0a) echo ARM Cortex-A75 ;;
    0xd0b) echo ARM Cortex-A76 ;;
    0xd0c) echo ARM Neoverse-N1 ;;
    0xd0d) echo ARM Cortex-A77 ;;
    0xd40) echo ARM Neoverse-V1 ;;
    0xd41) echo ARM Cortex-A78 ;;
    0xd46) echo ARM Cortex-A510 ;;
    0xd47) echo ARM Cortex-A710 ;;
    0xd49) echo ARM Neoverse-N2 ;;
    *) return 1 ;;
  esac
}

cpu_json() {
  implementer=$(cpuinfo 'CPU implementer')
  part=$(cpuinfo 'CPU part')
  model=
  [ "$implementer" = 0x41 ] && model=$(arm_core "$part")
  [ -n "$model" ] || model=$(cpuinfo 'model name')
  [ -n "$model" ] || model=$(cpuinfo Processor) # 32-bit ARM kernels before 3.8
  # Threads are logical CPUs; cores are distinct (physical id, core id) pairs, which x86 lists and ARM does
  # not (ARM cores run one thread each).
  counts=$(awk '
    { i = index($0, ":"); if (i == 0) next
      k = substr($0, 1, i - 1); sub(/[ \t]+$/, "", k)
      v = substr($0, i + 1); sub(/^[ \t]+/, "", v) }
    k == "processor" { threads++ }
    k == "physical id" { phys = v }
    k == "core id" && !((phys SUBSEP v) in seen) { seen[phys SUBSEP v] = 1; cores++ }
    END { if (cores == 0) cores = threads; print threads + 0, cores + 0 }' "$CPUINFO" 2>/dev/null)
  threads=${counts% *}
  cores=${counts#* }
  [ "$threads" = 0 ] && threads= && cores=
  printf '{"model":%s,"implementer":%s,"part":%s,"cores":%s,"threads":%s}' \
    "$(jstr "$model")" "$(jstr "$implementer")" "$(jstr "$part")" "$(jint "$cores")" "$(jint "$threads")"
}

memory_json() {
  kb=$(awk '$1 == "MemTotal:" && $3 == "kB" { print $2; exit }' "$ROOT/proc/meminfo" 2>/dev/null)
  if kb=$(digits "$kb"); then printf '%s' $((kb * 1024)); else printf null; fi
}

disks_json() {
  sep=
  entries "$ROOT/sys/block" | while IFS= read -r name; do
    dev=$ROOT/sys/block/$name
    # Virtual devices are not hardware; eMMC boot and RPMB areas are parts of the mmcblkN beside them.
    case $name in loop* | ram* | zram* | dm-* | md* | nbd* | mmcblk*boot* | mmcblk*rpmb) continue ;; esac
    [ -e "$dev/size" ] || continue
    size=null
    sectors=$(digits "$(text "$dev/size")") && size=$((sectors * 512)) # always 512-byte units, whatever the disk's sector size
    model=$(text "$dev/device/model")
    [ -n "$model" ] || model=$(text "$dev/device/name") # MMC/SD cards have a name, not a model
    printf '%s{"name":%s,"sizeBytes":%s,"model":%s,"rotational":%s,"removable":%s}' "$sep" \
      "$(jstr "$name")" "$size" "$(jstr "$model")" "$(jbool "$(text "$dev/queue/rotational")")" "$(jbool "$(text "$dev/removable")")"
    sep=,
  done
}

# The driver's name is the last part of the device/driver link; trees without the link (or copies that made it
# a folder) still have DRIVER= in device/uevent.
nic_driver() {
  link=$(readlink "$1/device/driver" 2>/dev/null) && [ -n "$link" ] && {
    printf '%s' "${link##*/}"
    return
  }
  text "$1/device/uevent" | sed -n 's/^DRIVER=//p' | head -n 1
}

nics_json() {
  sep=
  entries "$ROOT/sys/class/net" | while IFS= read -r name; do
    dev=$ROOT/sys/class/net/$name
    # bonding_masters is a file in the same folder.
    [ "$name" = lo ] || [ ! -d "$dev" ] && continue
    mac=$(text "$dev/address" | tr 'A-F' 'a-f')
    case $mac in
      [0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]) ;;
      *) mac= ;; # tunnels have none, InfiniBand has 20 bytes: not a MAC Bramble could boot by
    esac
    printf '%s{"name":%s,"mac":%s,"speedMbps":%s,"driver":%s}' "$sep" \
      "$(jstr "$name")" "$(jstr "$mac")" "$(jint "$(text "$dev/speed")")" "$(jstr "$(nic_driver "$dev")")"
    sep=,
  done
}

facts_json() {
  dmi=$ROOT/sys/class/dmi/id
  hostname=$(text "$ROOT/proc/sys/kernel/hostname")
  [ "$hostname" = '(none)' ] && hostname= # the kernel's placeholder until something sets a name
  device_model=$(text "$ROOT/proc/device-tree/model")
  [ -n "$device_model" ] || device_model=$(cpuinfo Model)
  [ -n "$device_model" ] || device_model=$(cpuinfo Hardware)
  pi_serial=$(cpuinfo Serial)
  [ -n "$pi_serial" ] || pi_serial=$(text "$ROOT/proc/device-tree/serial-number")
  printf '{"format":1,"hostname":%s,"kernel":%s,"cmdline":%s,"cpu":%s,"memoryBytes":%s,"disks":[%s],"nics":[%s],' \
    "$(jstr "$hostname")" "$(jstr "$(text "$ROOT/proc/sys/kernel/osrelease")")" "$(jstr "$(text "$ROOT/proc/cmdline")")" \
    "$(cpu_json)" "$(memory_json)" "$(disks_json)" "$(nics_json)"
  printf '"manufacturer":%s,"product":%s,"serial":%s,"uuid":%s,"boardManufacturer":%s,"boardProduct":%s,"biosVersion":%s,' \
    "$(jstr "$(text "$dmi/sys_vendor")")" "$(jstr "$(text "$dmi/product_name")")" "$(jstr "$(text "$dmi/product_serial")")" \
    "$(jstr "$(text "$dmi/product_uuid")")" "$(jstr "$(text "$dmi/board_vendor")")" "$(jstr "$(text "$dmi/board_name")")" \
    "$(jstr "$(text "$dmi/bios_version")")"
  printf '"deviceModel":%s,"piSerial":%s}\n' "$(jstr "$device_model")" "$(jstr "$pi_serial")"
}

# wget's complaint as one line, without its "wget: " prefix (and without the token, should it ever echo it).
one_line() {
  AGENT_VALUE=$1 AGENT_SECRET=$TOKEN awk "$AWK_JSON"'BEGIN {
    n = split(ENVIRON["AGENT_VALUE"], lines, "\n"); out = ""
    for (i = 1; i <= n; i++) { l = lines[i]; sub(/^wget: /, "", l); if (l != "") out = out (out == "" ? "" : "; ") l }
    print redact(out) }'
}

post() {
  case $URL in
    http://?* | https://?*) ;;
    '') fail 'no URL given (first argument or BRAMBLE_URL; --print to only show the facts)' 2 ;;
    *) fail 'the URL must start with http:// or https://' 2 ;;
  esac
  [ -n "$TOKEN" ] || fail 'no token given (second argument or BRAMBLE_TOKEN)' 2
  # RFC 6750 §2.1 b64token; anything else could smuggle a line break into the request headers.
  case $TOKEN in
    *[!A-Za-z0-9._~+/=-]*) fail 'the token has characters a bearer token cannot have' 2 ;;
  esac
  json=$(facts_json)
  WAIT=$(digits "$WAIT") || fail 'BRAMBLE_AGENT_TIMEOUT must be a number of seconds' 2
  # Without an answer, wget would wait for TCP to give up; the boot must go on.
  limit=
  timeout 5 true 2>/dev/null && limit="timeout $WAIT"
  # The subshell must wait for wget itself (hence the exit after it) with its stderr in the pipe, or the
  # script's own shell would print "Terminated" when the timeout kills wget.
  err=$(exec 2>&1; $limit wget -q -O /dev/null --header "Authorization: Bearer $TOKEN" --header 'Content-Type: application/json' \
    --post-data "$json" "$URL"; exit $?)
  status=$?
  [ "$status" = 0 ] && { echo "bramble-agent: facts posted to $URL"; return; }
  [ "$status" = 124 ] || [ "$status" = 143 ] && fail "posting to $URL failed: no answer within $WAIT s"
  reason=$(one_line "$err")
  fail "posting to $URL failed: ${reason:-wget exited with status $status}"
}

if [ "$PRINT" = 1 ]; then
  facts_json
else
  post
fi
