// `bramble machine ls|show|set`: machines seen booting, their facts, boot timeline and profile assignment.
import { parseArgs } from 'node:util';
import type { Machine } from '../store/schema.js';
import type { BootEvent } from '../store/boot-events.js';
import { withApi } from '../control/control-client.js';
import { dataDirFrom } from './data-dir.js';
import { failed } from './api-result.js';
import { table, usage, type Output } from './output.js';

type MachineView = Machine & { events: BootEvent[] };

export async function machineCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      profile: { type: 'string' },
      'boot-once': { type: 'string' },
      name: { type: 'string' },
      address: { type: 'string' },
    },
  });
  const [action, mac] = positionals;
  const dataDir = dataDirFrom(values['data-dir'], env);
  switch (action) {
    case 'ls':
      return withApi(dataDir, async (call) => {
        const res = await call('GET', '/api/v1/machines');
        if (failed(res, io)) return 1;
        const machines = res.body as MachineView[];
        if (values.json) {
          io.out(JSON.stringify(machines, null, 2));
          return 0;
        }
        if (machines.length === 0) {
          io.out('no machines have booted yet');
          return 0;
        }
        io.out(
          table([
            ['MAC', 'NAME', 'IP', 'ARCH', 'FIRMWARE', 'PROFILE', 'LAST SEEN', 'LAST BOOT EVENTS'],
            ...machines.map((m) => [
              m.mac,
              m.name ?? '',
              m.ip ?? '',
              m.archName ?? '',
              m.firmware ?? '',
              m.bootOnce ? `${m.bootOnce} (once)` : (m.profile ?? ''),
              m.lastSeen,
              timeline(m.events),
            ]),
          ]),
        );
        return 0;
      });
    case 'show':
      if (mac === undefined) return usage(io, 'machine show MAC');
      return withApi(dataDir, async (call) => {
        const res = await call('GET', `/api/v1/machines/${encodeURIComponent(mac)}`);
        if (failed(res, io)) return 1;
        const m = res.body as MachineView;
        if (values.json) io.out(JSON.stringify(m, null, 2));
        else {
          const { events, ...facts } = m;
          io.out(Object.entries(facts).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
          io.out('boot events:\n' + events.map((e) => `  ${e.time}  ${e.stage.padEnd(7)} ${e.detail}`).join('\n'));
        }
        return 0;
      });
    case 'set': {
      if (mac === undefined) return usage(io, 'machine set MAC [--profile NAME|none] [--boot-once NAME|none] [--name TEXT] [--address IP|none]');
      const patch: Record<string, string | null> = {};
      if (values.profile !== undefined) patch.profile = values.profile === 'none' ? null : values.profile;
      if (values['boot-once'] !== undefined) patch.bootOnce = values['boot-once'] === 'none' ? null : values['boot-once'];
      if (values.name !== undefined) patch.name = values.name === '' ? null : values.name;
      if (values.address !== undefined) patch.reservedAddress = values.address === 'none' ? null : values.address;
      if (Object.keys(patch).length === 0) return usage(io, 'machine set MAC [--profile NAME|none] [--boot-once NAME|none] [--name TEXT] [--address IP|none]');
      return withApi(dataDir, async (call) => {
        const res = await call('PATCH', `/api/v1/machines/${encodeURIComponent(mac)}`, patch);
        if (failed(res, io)) return 1;
        io.out(`machine ${(res.body as Machine).mac} updated`);
        return 0;
      });
    }
    default:
      return usage(io, 'machine ls|show|set');
  }
}

/** The last boot, as a one-line chain of stages: dhcp > tftp > script > kernel > initrd. */
function timeline(events: readonly BootEvent[]): string {
  const recent = events.slice(-12);
  const stages: string[] = [];
  for (const e of recent) if (stages.at(-1) !== e.stage) stages.push(e.stage);
  return stages.join(' > ');
}
