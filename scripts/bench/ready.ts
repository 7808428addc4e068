// Readiness of servers that print nothing when ready (--log-level warn, daemons): polls ss(8), inside a
// namespace when given, until the sockets are bound; gives up early when the server has already exited.
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';
import type { ServerProcess } from './server-process.js';

export interface Listener {
  readonly transport: 'tcp' | 'udp';
  readonly port: number;
}

export async function isListening(listener: Listener, netns: string | null): Promise<boolean> {
  const ss = ['ss', '-H', '-l', '-n', listener.transport === 'tcp' ? '-t' : '-u', 'sport', '=', `:${listener.port}`];
  const outcome = await runCommand(netns === null ? ss : ['ip', 'netns', 'exec', netns, ...ss], { timeoutMs: 10_000 });
  return outcome.code === 0 && outcome.stdout.trim() !== '';
}

export async function waitForListeners(
  server: ServerProcess,
  listeners: readonly Listener[],
  netns: string | null,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exited()) {
      throw new BenchError('PROCESS_EXITED', `${server.label} exited before it was ready; its output:\n${server.tail()}`);
    }
    let all = true;
    for (const l of listeners) if (!(await isListening(l, netns))) all = false;
    if (all) return;
    if (Date.now() > deadline) {
      const what = listeners.map((l) => `${l.transport}/${l.port}`).join(', ');
      throw new BenchError('WAIT_TIMEOUT', `${server.label} did not bind ${what} within ${timeoutMs} ms; its output:\n${server.tail()}`);
    }
    await sleep(100);
  }
}
