// Readiness probe for servers that print nothing when ready: asks ss(8) inside the namespace whether a socket
// is bound to the port.
import type { Netns } from './netns.js';
import { waitUntil } from './wait-until.js';

export type Transport = 'tcp' | 'udp';

export async function isListening(ns: Netns, transport: Transport, port: number): Promise<boolean> {
  const flag = transport === 'tcp' ? '-t' : '-u';
  const { stdout } = await ns.run(['ss', '-H', '-l', '-n', flag, 'sport', '=', `:${port}`]);
  return stdout.trim() !== '';
}

export async function waitForListening(
  ns: Netns,
  sockets: ReadonlyArray<{ readonly transport: Transport; readonly port: number }>,
  timeoutMs: number,
): Promise<void> {
  const what = sockets.map((s) => `${s.transport}/${s.port}`).join(', ');
  await waitUntil(
    async () => {
      for (const s of sockets) if (!(await isListening(ns, s.transport, s.port))) return false;
      return true;
    },
    { what: `sockets bound in ${ns.name}: ${what}`, timeoutMs },
  );
}
