// A fake Tasmota plug as its docs describe the web command API: GET /cm?[user=admin&password=…&]cmnd=<command>,
// JSON answers such as {"POWER":"ON"}, HTTP 401 {"WARNING":"Need user=<username>&password=<password>"} for wrong
// credentials, {"Command":"Unknown"} for commands it lacks, and Backlog (answered {}) run with Delay in tenths of a second.
import type { ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { sendJson, startDevice, type FakeDevice } from './fake-device.js';

export interface TasmotaOptions {
  /** The web password (command WebPassword); the user is always admin. */
  readonly password?: string;
  readonly relays?: number;
  /** Answer Backlog with {"Command":"Unknown"}, as a stripped-down firmware might. */
  readonly noBacklog?: boolean;
}

export interface FakeTasmota extends FakeDevice {
  /** Relay states, index 0 = Power1. */
  readonly power: boolean[];
  /** Every state change in order, e.g. "POWER1 OFF". */
  readonly changes: string[];
}

export async function startTasmota(t: TestContext, options: TasmotaOptions = {}): Promise<FakeTasmota> {
  const relays = options.relays ?? 1;
  const power = new Array<boolean>(relays).fill(false);
  const changes: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  t.after(() => timers.forEach(clearTimeout));

  // Runs one command; returns its JSON result.
  const execute = (command: string): Record<string, unknown> => {
    const m = /^([a-z]+?)(\d*)(?:\s+(.*))?$/i.exec(command.trim());
    if (m === null || m[1]!.toLowerCase() !== 'power') return { Command: 'Unknown' };
    const index = m[2] === '' ? 1 : Number(m[2]);
    if (index < 1 || index > relays) return { Command: 'Unknown' };
    const arg = (m[3] ?? '').trim().toLowerCase();
    const current = power[index - 1]!;
    const next = ['on', '1', 'true'].includes(arg) ? true : ['off', '0', 'false'].includes(arg) ? false : ['toggle', '2'].includes(arg) ? !current : arg === '' ? current : undefined;
    if (next === undefined) return { Command: 'Error' };
    if (next !== current) {
      power[index - 1] = next;
      changes.push(`POWER${index} ${next ? 'ON' : 'OFF'}`);
    }
    return { [relays === 1 ? 'POWER' : `POWER${index}`]: next ? 'ON' : 'OFF' };
  };

  const backlog = (commands: string[]): void => {
    const [first, ...rest] = commands;
    if (first === undefined) return;
    const delay = /^delay\s+(\d+)$/i.exec(first);
    if (delay !== null) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        backlog(rest);
      }, Number(delay[1]) * 100);
      timers.add(timer);
      return;
    }
    execute(first);
    backlog(rest);
  };

  const device = await startDevice(t, (req, res: ServerResponse) => {
    if (req.method !== 'GET' || req.path !== '/cm') return void res.writeHead(404).end('Not Found');
    if (options.password !== undefined && (req.query.get('user') !== 'admin' || req.query.get('password') !== options.password)) {
      return sendJson(res, 401, { WARNING: 'Need user=<username>&password=<password>' });
    }
    const cmnd = req.query.get('cmnd') ?? '';
    const backlogMatch = /^backlog\s+(.*)$/i.exec(cmnd);
    if (backlogMatch === null) return sendJson(res, 200, execute(cmnd));
    if (options.noBacklog === true) return sendJson(res, 200, { Command: 'Unknown' });
    sendJson(res, 200, {});
    backlog(backlogMatch[1]!.split(';').map((c) => c.trim()).filter((c) => c !== ''));
  });
  return { ...device, power, changes };
}
