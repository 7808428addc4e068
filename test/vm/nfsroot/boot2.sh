# Boot 2 of the writer (sourced by /sbin/init): every change boot1.sh made survived the reboot, with its type,
# content, mode, owner, device numbers and links; the golden files it did not touch are as they were.

check new-file content_is /work/new.txt 'written in boot 1'
check random-file md5sum -c /work/random.bin.md5
check random-size stat_is /work/random.bin '%s' 1572864
check symlink stat_is /work/symlink '%F|%N' "symbolic link|'/work/symlink' -> '../golden/keep.txt'"
check symlink-followed content_is /work/symlink 'keep me as I am'
check symlink-dangling same "$(readlink /work/dangling)" /no/such/target 'readlink /work/dangling'
check chardev stat_is /work/null '%F|%a|%u|%g|%t,%T' 'character special file|640|0|0|1,3'
# The node is the client's own /dev/null now: it reads empty and swallows writes.
check chardev-works sh -c 'echo gone > /work/null && [ -z "$(cat /work/null)" ]'
check blockdev stat_is /work/loop0 '%F|%a|%t,%T' 'block special file|660|7,0'
check fifo stat_is /work/fifo '%F|%a' 'fifo|620'
check hardlink-new same_inode /work/new.txt /work/new-hardlink
check hardlink-new-count stat_is /work/new.txt '%h' 2
check hardlink-golden same_inode /golden/link-target.txt /work/golden-hardlink
check hardlink-golden-count stat_is /golden/link-target.txt '%h' 2
check hardlink-golden-content content_is /work/golden-hardlink 'link to me'
check chmod-chown-golden stat_is /golden/chmod-me.txt '%a|%u|%g' '600|1000|1000'
check chmod-golden-content content_is /golden/chmod-me.txt 'chmod and chown me'
check touch-golden stat_is /golden/touch-me.txt '%Y' 981173106
check append-golden content_is /golden/append-me.txt "$(printf 'append to me\nappended in boot 1')"
check rename-golden-old absent /golden/rename-me.txt
check rename-golden-new content_is /golden/renamed.txt 'rename me'
check move-golden-old absent /golden/move-me.txt
check move-golden-new content_is /work/moved.txt 'move me to /work'
check delete-golden absent /golden/delete-me.txt
check delete-golden-readdir not_listed /golden delete-me.txt
check delete-golden-tree absent /golden/remove-tree
check rename-golden-dir-old absent /golden/subdir
check rename-golden-dir-new content_is /golden/subdir-renamed/deep/file.txt 'deep in a golden directory'
check edit-etc content_is /etc/hostname machine-a
check many-files count_entries /work/many 1000
check many-files-names sh -c '[ -f /work/many/file-0 ] && [ -f /work/many/file-500 ] && [ -f /work/many/file-999 ] && [ ! -e /work/many/file-1000 ]'
check golden-untouched content_is /golden/keep.txt 'keep me as I am'
check golden-owner stat_is /golden/owned.txt '%a|%u|%g' '640|1000|100'
check golden-pair same_inode /golden/pair-a /golden/pair-b
check golden-big md5sum -c /lib/nfstest/big.md5
