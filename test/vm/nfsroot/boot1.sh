# Boot 1 of the writer (sourced by /sbin/init): change the NFS root in the ways a root file system is changed,
# each one a check. boot2.sh proves after the reboot that every change was kept.

make_many() { # DIR N: N empty files, made by the shell itself (no fork per file)
  mkdir "$1" || return 1
  i=0
  while [ "$i" -lt "$2" ]; do
    : > "$1/file-$i" || return 1
    i=$((i + 1))
  done
}
new_random() { # PATH KiB: random content, and its md5 beside it for boot 2
  dd if=/dev/urandom of="$1" bs=1024 count="$2" 2>/dev/null && md5sum "$1" > "$1.md5"
}

check mkdir mkdir -m 755 /work
check write-file sh -c 'printf "written in boot 1\n" > /work/new.txt'
check write-random new_random /work/random.bin 1536
check symlink ln -s ../golden/keep.txt /work/symlink
check symlink-dangling ln -s /no/such/target /work/dangling
check mknod-chardev mknod -m 640 /work/null c 1 3
check mknod-blockdev mknod -m 660 /work/loop0 b 7 0
check mkfifo mkfifo -m 620 /work/fifo
check hardlink-new ln /work/new.txt /work/new-hardlink
check hardlink-golden ln /golden/link-target.txt /work/golden-hardlink
check chmod-golden chmod 600 /golden/chmod-me.txt
check chown-golden chown 1000:1000 /golden/chmod-me.txt
check touch-golden touch -d '2001-02-03 04:05:06' /golden/touch-me.txt
check append-golden sh -c 'printf "appended in boot 1\n" >> /golden/append-me.txt'
check rename-golden mv /golden/rename-me.txt /golden/renamed.txt
check move-golden mv /golden/move-me.txt /work/moved.txt
check delete-golden rm /golden/delete-me.txt
check delete-golden-tree rm -r /golden/remove-tree
check rename-golden-dir mv /golden/subdir /golden/subdir-renamed
check edit-etc sh -c 'echo machine-a > /etc/hostname'
check many-files make_many /work/many 1000
check many-files-listed count_entries /work/many 1000
check many-files-sorted same "$(ls /work/many | sort -t- -k2 -n | sed -n '1p;$p' | tr '\n' ' ')" "file-0 file-999 " "first and last"
check state-file sh -c 'mkdir -p /var/lib/nfstest && date > /var/lib/nfstest/boot1-done'
check sync sync
