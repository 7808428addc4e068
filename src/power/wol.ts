// Wake-on-LAN power driver: magic packets (magic-packet.ts) as UDP broadcasts out of the serving interface (socket(7): SO_BROADCAST, SO_BINDTODEVICE).
//
// Why a device binding on top of the source address: a Pi with Ethernet and Wi-Fi in the same subnet has two
// routes for that subnet's broadcast address, and the kernel takes the first, i.e. whichever link came up
// first; a packet bound only to eth0's address can still leave by wlan0 and never reach the sleeping machine
// on the wire. SO_BINDTODEVICE (the native addon, as the DHCP server uses it) pins the route to the serving
// interface. Without the addon we still send (right on a single-homed host) and say so in the detail line.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadNativeSocketOps } from '../dhcp/native-socket.js';
import type { NativeLoad } from '../dhcp/native-socket.js';
import { closeUdpSocket } from '../net/close-udp-socket.js';
import { socketFd } from '../native/socket-fd.js';
import type { PowerAction, PowerDriver, PowerResult } from './driver.js';
import { encodeMagicPacket, parseTargetMac } from './magic-packet.js';
import { subnetBroadcast } from './subnet-broadcast.js';
import { DEFAULT_WOL_COUNT, DEFAULT_WOL_PORT } from './wol-settings.js';
import type { WolSettings } from './wol-settings.js';

/** Time between two copies of the packet: long enough that a switch's brief drop does not take them all. */
export const DEFAULT_WOL_INTERVAL_MS = 100;

/** The interface Bramble serves on, as ServeConfig describes it (interface, address, netmask). */
export interface ServingInterface {
  readonly name: string;
  readonly address: string;
  /** A prefix length (24) or a dotted netmask (255.255.255.0). */
  readonly netmask: number | string;
}

export interface WakeOptions {
  readonly serving: ServingInterface;
  /** As parseWolSettings returns them; port 9, 3 times, no SecureOn when left out. */
  readonly settings?: WolSettings;
  readonly signal?: AbortSignal;
  readonly intervalMs?: number;
  /** The addon load to use; loaded from build/Release when left out. */
  readonly native?: NativeLoad;
}

export interface WolDeps {
  /** The machine's own MAC (the inventory's key), which the magic packet names. */
  readonly mac: string;
  readonly serving: ServingInterface;
  readonly intervalMs?: number;
  readonly native?: NativeLoad;
}

interface WakePlan {
  readonly mac: string;
  readonly packet: Buffer;
  readonly withSecureOn: boolean;
  readonly destination: string;
  readonly port: number;
  readonly count: number;
  readonly serving: ServingInterface;
}

/**
 * Sends the magic packet for `mac`, also for a MAC Bramble has never seen (`bramble wake MAC`). Rejects with a
 * MagicPacketError or SubnetBroadcastError (each with a `code`) for bad input, before anything is sent; a
 * failure of the network resolves to { ok: false }.
 */
export async function wakeMac(mac: string, options: WakeOptions): Promise<PowerResult> {
  const plan = planWake(mac, options.serving, options.settings);
  return sendWake(plan, options.signal, options.intervalMs ?? DEFAULT_WOL_INTERVAL_MS, options.native);
}

/** Throws (with a code) for a bad MAC, SecureOn or serving interface: a configuration error found at once. */
export function wolDriver(settings: WolSettings, deps: WolDeps): PowerDriver {
  const plan = planWake(deps.mac, deps.serving, settings);
  return {
    kind: 'wol',
    can: new Set<PowerAction>(['on']),
    run: async (action, signal) => {
      if (action !== 'on') return { ok: false, code: 'UNSUPPORTED', message: `Wake-on-LAN can only switch a machine on, not ${action}` };
      return sendWake(plan, signal, deps.intervalMs ?? DEFAULT_WOL_INTERVAL_MS, deps.native);
    },
  };
}

function planWake(mac: string, serving: ServingInterface, settings: WolSettings | undefined): WakePlan {
  const target = parseTargetMac(mac);
  return {
    mac: target,
    packet: encodeMagicPacket(target, settings?.secureOn),
    withSecureOn: settings?.secureOn !== undefined,
    destination: subnetBroadcast(serving.address, serving.netmask),
    port: settings?.port ?? DEFAULT_WOL_PORT,
    count: settings?.count ?? DEFAULT_WOL_COUNT,
    serving,
  };
}

async function sendWake(plan: WakePlan, signal: AbortSignal | undefined, intervalMs: number, native: NativeLoad | undefined): Promise<PowerResult> {
  const { serving } = plan;
  const where = `${plan.destination}:${plan.port} from ${serving.name}`;
  const timedOut = (sent: number): PowerResult => ({
    ok: false,
    code: 'TIMEOUT',
    message: `gave up after sending the magic packet for ${plan.mac} ${sent} of ${plan.count} times to ${where}`,
  });
  const unreachable = (message: string): PowerResult => ({ ok: false, code: 'UNREACHABLE', message });
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) return timedOut(0);

  const socket = createSocket({ type: 'udp4' });
  // Errors also arrive through the callbacks below; this listener keeps a stray one from crashing the process.
  socket.on('error', () => undefined);
  try {
    try {
      await bindTo(socket, serving.address);
    } catch (error) {
      return unreachable(`cannot send from ${serving.address} (${serving.name}): ${errorCode(error)}; is that address still on ${serving.name}?`);
    }
    socket.setBroadcast(true);
    const device = bindDevice(socket, serving.name, native ?? loadNativeSocketOps());
    if (!device.ok) return unreachable(device.message);

    let sent = 0;
    while (sent < plan.count) {
      if (aborted()) return timedOut(sent);
      try {
        await sendTo(socket, plan.packet, plan.port, plan.destination);
      } catch (error) {
        return unreachable(`magic packet for ${plan.mac} to ${where} failed after ${sent} sent: ${errorCode(error)}`);
      }
      sent += 1;
      if (sent < plan.count) {
        try {
          await sleep(intervalMs, undefined, signal === undefined ? {} : { signal });
        } catch {
          return timedOut(sent);
        }
      }
    }
    const times = plan.count === 1 ? 'once' : `${plan.count} times`;
    const secureOn = plan.withSecureOn ? ' with SecureOn' : '';
    const unbound = device.bound ? '' : ` (not bound to ${serving.name}: ${device.reason})`;
    return { ok: true, state: 'unknown', detail: `magic packet for ${plan.mac}${secureOn} sent ${times} to ${where}${unbound}` };
  } finally {
    await closeUdpSocket(socket);
  }
}

function bindTo(socket: Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address, port: 0, exclusive: true }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function sendTo(socket: Socket, packet: Buffer, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(packet, port, address, (error) => (error === null ? resolve() : reject(error)));
  });
}

type DeviceBinding = { readonly ok: true; readonly bound: true } | { readonly ok: true; readonly bound: false; readonly reason: string } | { readonly ok: false; readonly message: string };

function bindDevice(socket: Socket, name: string, native: NativeLoad): DeviceBinding {
  if (!native.ok) return { ok: true, bound: false, reason: `native addon unavailable: ${native.reason}` };
  const fd = socketFd(socket);
  if (fd === null) return { ok: true, bound: false, reason: 'socket descriptor not found' };
  try {
    native.ops.bindToDevice(fd, name);
    return { ok: true, bound: true };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENODEV') return { ok: false, message: `network interface ${name} does not exist` };
    if (code === 'EPERM' || code === 'EACCES') return { ok: false, message: `sending by ${name} alone needs root or CAP_NET_RAW` };
    return { ok: false, message: `cannot bind to ${name}: ${code}` };
  }
}

/** The errno name (EHOSTUNREACH, ...) when there is one: Node's messages add nothing a user can act on. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}
