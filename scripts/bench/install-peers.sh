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
# will not start unregistered); libnfs-utils: nfs-cp, nfs-ls (user-space NFS client); util-linux: unshare, nsenter.
apt-get install -y --no-install-recommends \
  atftp atftpd kea-admin kea-dhcp4-server dnsmasq-base nginx-light curl iproute2 \
  nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils util-linux

# The packaged services must not run beside the benchmark's own instances (ports 67/69, lease files; ganesha is
# installed for the bench alone). rpcbind's service is left running: the NFS bench runs its own in a namespace.
for service in kea-dhcp4-server atftpd nfs-ganesha; do
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
