# Connectathon-style basic checks (after the cthon04 "basic" suite, test1-test9) in busybox sh, run on the NFS
# root by the writer's boot 2 (sourced by /sbin/init). Each step is a check; /cthon is removed at the end.
T=/cthon
rm -rf "$T"

# test1: files and directories made in a tree (3 levels, 3 directories and 5 files per directory).
make_tree() { # DIR LEVELS
  local f d
  mkdir "$1" || return 1
  f=0
  while [ "$f" -lt 5 ]; do printf 'file %s\n' "$1/f$f" > "$1/f$f" || return 1; f=$((f + 1)); done
  [ "$2" -gt 1 ] || return 0
  d=0
  while [ "$d" -lt 3 ]; do make_tree "$1/d$d" $(($2 - 1)) || return 1; d=$((d + 1)); done
}
tree_counts() {
  same "$(find "$T/tree" -type f | wc -l) $(find "$T/tree" -type d | wc -l)" '65 13' 'files and directories in the tree'
}
check test1-mkdir mkdir "$T"
check test1-create-tree make_tree "$T/tree" 3
check test1-tree-counts tree_counts

# test2: the tree removed again, files first, then the directories bottom up.
remove_tree() {
  find "$T/tree" -type f -exec rm {} + || return 1
  find "$T/tree" -depth -type d -exec rmdir {} + || return 1
  absent "$T/tree"
}
check test2-remove-tree remove_tree

# test3: lookups: . and .. of a deep directory, getcwd walking up through them, a missing name.
lookups() {
  mkdir -p "$T/a/b/c" || return 1
  cd "$T/a/b/c" || return 1
  same "$(pwd)" "$T/a/b/c" pwd || return 1
  same "$(cd ../.. && pwd)" "$T/a" 'pwd after cd ../..' || return 1
  same "$(stat -c %i .)" "$(stat -c %i "$T/a/b/c")" 'inode of .' || return 1
  same "$(stat -c %i ..)" "$(stat -c %i "$T/a/b")" 'inode of ..' || return 1
  cd / || return 1
  if stat "$T/a/missing" > /dev/null 2>&1; then echo "a missing name was found"; return 1; fi
}
check test3-lookups lookups

# test4: setattr: modes, owner, times, size (truncate down and up).
setattrs() {
  : > "$T/attr" || return 1
  for mode in 0 444 600 640 755 777 1755 2755 4755; do
    chmod "$mode" "$T/attr" && stat_is "$T/attr" %a "$mode" || return 1
  done
  chown 123:456 "$T/attr" && stat_is "$T/attr" '%u:%g' 123:456 || return 1
  touch -d '2010-05-06 07:08:09' "$T/attr" && stat_is "$T/attr" %Y 1273129689 || return 1
  printf '0123456789' > "$T/attr" && truncate -s 4 "$T/attr" && content_is "$T/attr" 0123 || return 1
  truncate -s 100000 "$T/attr" && stat_is "$T/attr" %s 100000 || return 1
  same "$(tail -c 4 "$T/attr" | od -An -tx1 | tr -d ' ')" 00000000 'the hole reads as zeros'
}
check test4-setattr setattrs

# test5: write and read back a few MiB (with the client's page cache dropped, so the reads reach the server),
# then overwrite a piece in the middle in place.
drop_caches() { sync && echo 3 > /proc/sys/vm/drop_caches; }
write_read() {
  dd if=/dev/urandom of=/run/data bs=1M count=4 2>/dev/null || return 1
  cp /run/data "$T/data" || return 1
  drop_caches || return 1
  same "$(md5sum < "$T/data")" "$(md5sum < /run/data)" 'md5 of 4 MiB read back' || return 1
  dd if=/dev/urandom of=/run/patch bs=1k count=100 2>/dev/null || return 1
  dd if=/run/patch of=/run/data bs=1k seek=1500 conv=notrunc 2>/dev/null || return 1
  dd if=/run/patch of="$T/data" bs=1k seek=1500 conv=notrunc 2>/dev/null || return 1
  drop_caches || return 1
  same "$(md5sum < "$T/data")" "$(md5sum < /run/data)" 'md5 after an overwrite in the middle' || return 1
  stat_is "$T/data" %s 4194304
}
check test5-write-read write_read

# test6: readdir of a large directory with long names, before and after removing every other entry.
readdir_large() {
  mkdir "$T/big" || return 1
  i=0
  while [ "$i" -lt 600 ]; do : > "$T/big/a-rather-long-file-name-to-fill-readdir-replies-$i" || return 1; i=$((i + 1)); done
  count_entries "$T/big" 600 || return 1
  same "$(ls "$T/big" | sort | uniq | wc -l)" 600 'distinct names' || return 1
  i=0
  while [ "$i" -lt 600 ]; do rm "$T/big/a-rather-long-file-name-to-fill-readdir-replies-$i" || return 1; i=$((i + 2)); done
  count_entries "$T/big" 300 || return 1
  if ls "$T/big" | grep -q -- '-[0-9]*[02468]$'; then echo 'a removed name is still listed'; return 1; fi
}
check test6-readdir readdir_large

# test7: rename and link: link counts go up and down, rename across directories, rename over an existing name.
rename_link() {
  mkdir "$T/r1" "$T/r2" && printf 'one\n' > "$T/r1/one" && printf 'two\n' > "$T/r1/two" || return 1
  ln "$T/r1/one" "$T/r2/one-link" && stat_is "$T/r1/one" %h 2 || return 1
  mv "$T/r1/one" "$T/r2/one" && absent "$T/r1/one" && same_inode "$T/r2/one" "$T/r2/one-link" || return 1
  mv "$T/r1/two" "$T/r2/one" && content_is "$T/r2/one" two && stat_is "$T/r2/one-link" %h 1 || return 1
  content_is "$T/r2/one-link" one && rm "$T/r2/one-link" && absent "$T/r2/one-link" || return 1
  mv "$T/r2" "$T/r1/r2-moved" && content_is "$T/r1/r2-moved/one" two
}
check test7-rename-link rename_link

# test8: symlink and readlink, a long target, a link to a directory.
symlinks() {
  long="$(printf 'x%.0s' $(seq 1 200))"
  ln -s "$long" "$T/long-link" && same "$(readlink "$T/long-link")" "$long" 'readlink of a 200-byte target' || return 1
  mkdir "$T/dir" && ln -s dir "$T/dir-link" && : > "$T/dir-link/through" && [ -f "$T/dir/through" ] || return 1
  stat_is "$T/dir-link" %F 'symbolic link'
}
check test8-symlink symlinks

# test9: statfs.
check test9-statfs sh -c 'set -- $(stat -f -c "%b %a %S" /); [ "$1" -gt 0 ] && [ "$3" -gt 0 ] || { echo "stat -f /: $*"; exit 1; }'

check cleanup sh -c 'rm -rf /cthon && [ ! -e /cthon ]'
