// Loads the native addon (SO_BINDTODEVICE, SO_RCVBUFFORCE: socket(7); SIOCSARP: arp(7)) and finds a dgram socket's fd.

// How and why: Node's dgram can neither bind to a device nor report the arrival interface (no IP_PKTINFO), but
// a DHCP server must bind 0.0.0.0:67 to hear broadcasts; on a host with eth0 + wlan0 it would hear and answer
// both. So after dgram binds (the fd exists only from then on) we setsockopt(SO_BINDTODEVICE) on its fd: from
// then on the kernel delivers only that device's datagrams to the socket, and our 255.255.255.255 replies
// leave by that device alone. The window between bind() and setsockopt() is a few microseconds before the
// first read; a datagram from another device landing in it is answered like any other, which is harmless.
// The addon is built by node-gyp from binding.gyp (npm does that on install); when it is missing we warn and
// stay bound to all interfaces, which is right for a single-homed host.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:dgram';

export interface NativeSocketOps {
  bindToDevice(fd: number, ifname: string): void;
  setArpEntry(fd: number, ifname: string, ipv4: number, mac: Uint8Array): void;
  /** SO_RCVBUFFORCE: a receive buffer beyond net.core.rmem_max (needs CAP_NET_ADMIN). */
  forceReceiveBuffer(fd: number, bytes: number): void;
}

export type NativeLoad = { readonly ok: true; readonly ops: NativeSocketOps; readonly path: string } | { readonly ok: false; readonly reason: string };

const ADDON = join('build', 'Release', 'bind_device.node');

/**
 * Finds the package root by walking up from this module (src/dhcp under tsx, dist/dhcp after the build) to
 * the package.json named "bramble", and loads the addon from its build/Release.
 */
export function loadNativeSocketOps(from: string = import.meta.url): NativeLoad {
  const root = packageRoot(dirname(fileURLToPath(from)));
  if (root === null) return { ok: false, reason: 'package root (package.json of bramble) not found' };
  const path = join(root, ADDON);
  if (!existsSync(path)) return { ok: false, reason: `${path} not built (run npm ci or npx node-gyp rebuild)` };
  try {
    const loaded = createRequire(from)(path) as Partial<NativeSocketOps>;
    if (typeof loaded.bindToDevice !== 'function' || typeof loaded.setArpEntry !== 'function' || typeof loaded.forceReceiveBuffer !== 'function') {
      return { ok: false, reason: `${path} is an older build (run npx node-gyp rebuild)` };
    }
    return { ok: true, ops: loaded as NativeSocketOps, path };
  } catch (error) {
    return { ok: false, reason: `${path} failed to load: ${(error as Error).message}` };
  }
}

function packageRoot(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'bramble') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The descriptor of a bound dgram socket. Node keeps its libuv handle under the "state symbol" (reading the
 * older `_handle` property prints a deprecation warning); handle.fd is the OS socket on Unix. Null when
 * neither is there (a future Node), so callers fall back to all interfaces.
 */
export function socketFd(socket: Socket): number | null {
  const record = socket as unknown as Record<symbol, unknown>;
  const stateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = stateSymbol === undefined ? undefined : (record[stateSymbol] as { handle?: { fd?: unknown } } | undefined);
  const fd = state?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
