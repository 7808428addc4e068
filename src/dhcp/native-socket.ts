// Loads the native addon for DHCP sockets (SO_BINDTODEVICE, SO_RCVBUFFORCE: socket(7); SIOCSARP: arp(7)).

// How and why: Node's dgram can neither bind to a device nor report the arrival interface (no IP_PKTINFO), but
// a DHCP server must bind 0.0.0.0:67 to hear broadcasts; on a host with eth0 + wlan0 it would hear and answer
// both. So after dgram binds (the fd exists only from then on) we setsockopt(SO_BINDTODEVICE) on its fd: from
// then on the kernel delivers only that device's datagrams to the socket, and our 255.255.255.255 replies
// leave by that device alone. The window between bind() and setsockopt() is a few microseconds before the
// first read; a datagram from another device landing in it is answered like any other, which is harmless.
// The addon is built by node-gyp from binding.gyp (npm does that on install); when it is missing we warn and
// stay bound to all interfaces, which is right for a single-homed host.
import { loadAddon } from '../native/load-addon.js';

export interface NativeSocketOps {
  bindToDevice(fd: number, ifname: string): void;
  setArpEntry(fd: number, ifname: string, ipv4: number, mac: Uint8Array): void;
  /** SO_RCVBUFFORCE: a receive buffer beyond net.core.rmem_max (needs CAP_NET_ADMIN). */
  forceReceiveBuffer(fd: number, bytes: number): void;
}

export type NativeLoad = { readonly ok: true; readonly ops: NativeSocketOps; readonly path: string } | { readonly ok: false; readonly reason: string };

/** Loads native/bind_device.c's addon; see src/native/load-addon.ts for where it is looked for. */
export function loadNativeSocketOps(from: string = import.meta.url): NativeLoad {
  const loaded = loadAddon<NativeSocketOps>(
    'bind_device',
    (m) => typeof m.bindToDevice === 'function' && typeof m.setArpEntry === 'function' && typeof m.forceReceiveBuffer === 'function',
    from,
  );
  return loaded.ok ? { ok: true, ops: loaded.addon, path: loaded.path } : loaded;
}
