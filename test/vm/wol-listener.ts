// Stand-in for a sleeping NIC's Wake-on-LAN filter: a process in a test namespace that prints every UDP datagram on port 9, decoded as a magic packet.

// Run alone: ip netns exec NS node --import tsx test/vm/wol-listener.ts [port]
// Prints `LISTENING <port>` once bound, then per datagram {"at": epoch ms, "from": address, "mac": ...} or {..., "error": code}.
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMagicPacket } from '../../src/power/magic-packet.js';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import type { Netns } from '../support/netns.js';

const SCRIPT = fileURLToPath(import.meta.url);
const LISTENING_LINE = /^LISTENING \d+$/;

/** One line of the listener's output. */
export interface HeardPacket {
  /** Date.now() in the listener when the datagram arrived. */
  readonly at: number;
  readonly from: string;
  readonly mac?: string;
  readonly error?: string;
}

export interface WolListener {
  readonly process: ManagedProcess;
  /** The first magic packet naming `mac` (lower case, colons), heard before or within `timeoutMs`. */
  waitForPacket(mac: string, timeoutMs: number): Promise<HeardPacket>;
  stop(): Promise<void>;
}

/** Starts the listener inside `ns` and resolves once its socket is bound. */
export async function startWolListener(ns: Netns, logFile: string, port = 9): Promise<WolListener> {
  const child = startProcess(ns.argv([process.execPath, '--import', 'tsx', SCRIPT, String(port)]), { label: 'WoL listener', logFile });
  try {
    await child.waitFor(LISTENING_LINE, 20_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    process: child,
    waitForPacket: async (mac, timeoutMs) => {
      const match = await child.waitFor(new RegExp(`^\\{.*"mac":"${mac}"`), timeoutMs);
      return JSON.parse(match.input) as HeardPacket;
    },
    stop: async () => {
      await child.stop(1_000);
    },
  };
}

function listen(port: number): void {
  const socket = createSocket({ type: 'udp4' });
  socket.on('error', (error) => {
    process.stderr.write(`FAILED ${error.message}\n`);
    process.exit(1);
  });
  socket.on('message', (data, rinfo) => {
    // Stamped on arrival, so the test can order it against the moment it started QEMU (same host clock).
    const at = Date.now();
    const decoded = decodeMagicPacket(data);
    const line: HeardPacket = decoded.ok
      ? { at, from: rinfo.address, mac: decoded.packet.mac }
      : { at, from: rinfo.address, error: decoded.error.code };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  });
  // A broadcast reaches a socket bound to the wildcard address, as it reaches a NIC whatever its IP.
  socket.bind({ address: '0.0.0.0', port }, () => process.stdout.write(`LISTENING ${port}\n`));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === SCRIPT) listen(Number(process.argv[2] ?? '9'));
