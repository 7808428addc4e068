# Shell helpers of the NFS-root test's golden root (sourced by /sbin/init): phases, checks that print one
# PASS or FAIL marker each, and the golden checks against the lists the image builder wrote (nfsroot-images.ts).
phase=start
passed=0
failed=0
total_passed=0
total_failed=0

begin() {
  phase=$1
  passed=0
  failed=0
  echo "BRAMBLE-NFS-PHASE $phase at=$(uptime_s)"
}

# Seconds since the kernel started, for the report of where a boot's time went.
uptime_s() {
  cut -d' ' -f1 /proc/uptime
}

# check NAME COMMAND [ARGS...]: runs the command; a non-zero exit is a FAIL with the command's output as the reason.
check() {
  name=$1
  shift
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1))
    echo "BRAMBLE-NFS-CHECK PASS $phase/$name"
  else
    failed=$((failed + 1))
    echo "BRAMBLE-NFS-CHECK FAIL $phase/$name $(printf '%s' "$out" | tr '\n' ' ' | cut -c 1-400)"
  fi
}

done_phase() {
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  echo "BRAMBLE-NFS-DONE $phase pass=$passed fail=$failed at=$(uptime_s)"
}

# finish reboot|poweroff: flush the NFS client's dirty pages (WRITE + COMMIT) before the machine goes.
finish() {
  trap - EXIT
  sync
  echo "BRAMBLE-NFS-END $1 pass=$total_passed fail=$total_failed"
  sync
  "$1" -f
  sleep 60
}

# The predicates below print why they fail.
same() { # ACTUAL EXPECTED WHAT
  [ "$1" = "$2" ] || { echo "$3: got '$1', want '$2'"; return 1; }
}
content_is() { # PATH TEXT (a trailing newline is implied)
  [ -f "$1" ] || { echo "$1: not a regular file"; return 1; }
  same "$(cat "$1")" "$2" "content of $1"
}
stat_is() { # PATH FORMAT EXPECTED
  got="$(stat -c "$2" "$1" 2>&1)" || { echo "stat $1: $got"; return 1; }
  same "$got" "$3" "stat -c '$2' $1"
}
absent() { # PATH
  [ ! -e "$1" ] && [ ! -L "$1" ] || { echo "$1 exists: $(ls -ld "$1")"; return 1; }
}
not_listed() { # DIR NAME: readdir of DIR does not return NAME
  if ls -a "$1" | grep -qx "$2"; then echo "readdir of $1 lists $2"; return 1; fi
}
same_inode() { # PATH PATH
  a="$(stat -c '%i %h' "$1")" && b="$(stat -c '%i %h' "$2")" || return 1
  same "$b" "$a" "inode and link count of $2 against $1"
}
count_entries() { # DIR N
  same "$(ls -A "$1" | wc -l)" "$2" "entries in $1"
}

# Every path the golden root holds is there and nothing else (readdir of the whole tree); every non-directory has
# the golden type, mode, owner, size, mtime, link count and device numbers (and symlink target); every directory
# its type, mode, owner and mtime; every regular file its golden content. /dev, /proc, /sys and /run are other
# file systems, so find -xdev stops at them.
golden_paths_match() {
  find / -xdev | sort > /run/paths.now
  diff /lib/nfstest/golden.paths /run/paths.now > /run/paths.diff || { head -n 20 /run/paths.diff; return 1; }
}
golden_nondirs_match() {
  # A missing file shows in the diff as well (stat's complaint goes to the same file).
  xargs stat -c '%N|%f|%u|%g|%s|%Y|%h|%t,%T' < /lib/nfstest/golden.nondirs > /run/nondirs.now 2>&1
  diff /lib/nfstest/golden.nondirs.stat /run/nondirs.now > /run/nondirs.diff || { head -n 20 /run/nondirs.diff; return 1; }
}
golden_dirs_match() {
  xargs stat -c '%n|%f|%u|%g|%Y' < /lib/nfstest/golden.dirs > /run/dirs.now 2>&1
  diff /lib/nfstest/golden.dirs.stat /run/dirs.now > /run/dirs.diff || { head -n 20 /run/dirs.diff; return 1; }
}
golden_content_matches() {
  md5sum -c /lib/nfstest/golden.md5 > /run/md5.out 2>&1 || { grep -v ': OK$' /run/md5.out | head -n 20; return 1; }
}

golden_checks() {
  check tree-paths golden_paths_match
  check tree-attributes golden_nondirs_match
  check tree-directories golden_dirs_match
  check tree-content golden_content_matches
  check no-layer-state absent /var/lib/nfstest/boot1-done
  check hostname content_is /etc/hostname golden
}
