#!/bin/sh
# Installs the tools `npm run bench` drives (clients and peer servers, Debian bookworm packages), and extracts
# tftpd-hpa's in.tftpd into a cache folder because the tftpd-hpa package conflicts with atftpd.
set -eu

CACHE="${BRAMBLE_BENCH_CACHE:-/tmp/bramble-bench-cache}"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# atftp: TFTP client (sends windowsize); atftpd: windowsize peer; kea-admin: perfdhcp; kea-dhcp4-server: DHCP
# peer (run by hand, never as the packaged service); dnsmasq-base: DHCP peer; nginx-light: HTTP peer;
# curl: HTTP client; iproute2: ip netns, veth, ss; nfs-ganesha + nfs-ganesha-vfs: NFSv3 peer, with rpcbind (it
# will not start unregistered); libnfs-utils: nfs-cp, nfs-ls (user-space NFS client); util-linux: unshare, nsenter;
# tgt: iSCSI peer (tgtd, tgtadm; run by hand, never as the packaged service); libiscsi-bin: iscsi-perf,
# iscsi-test-cu, iscsi-readcapacity16 (user-space iSCSI initiators); libiscsi-dev + gcc + libc6-dev: the bench
# builds scripts/bench/iscsi-io.c (iscsi-perf's loop with writes) against libiscsi.
apt-get install -y --no-install-recommends \
  atftp atftpd kea-admin kea-dhcp4-server dnsmasq-base nginx-light curl iproute2 \
  nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils util-linux \
  tgt libiscsi-bin libiscsi-dev gcc libc6-dev

# The packaged services must not run beside the benchmark's own instances (ports 67/69, lease files; ganesha and
# tgt are installed for the bench alone). rpcbind's service is left running: the NFS bench runs its own in a
# namespace.
for service in kea-dhcp4-server atftpd nfs-ganesha tgt; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
    systemctl disable "$service" || true
  fi
done

if [ ! -x "$CACHE/tftpd-hpa/usr/sbin/in.tftpd" ]; then
  mkdir -p "$CACHE/tftpd-hpa"
  work="$(mktemp -d)"
  # apt-get download drops to the _apt user, which must be able to write here.
  chmod 755 "$work"
  (cd "$work" && apt-get download tftpd-hpa)
  dpkg-deb -x "$work"/tftpd-hpa_*.deb "$CACHE/tftpd-hpa"
  rm -rf "$work"
fi
"$CACHE/tftpd-hpa/usr/sbin/in.tftpd" -V 2>&1 | head -n 1 || true
echo "peers installed; in.tftpd at $CACHE/tftpd-hpa/usr/sbin/in.tftpd"
