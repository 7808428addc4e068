// REST API v1 machines: list, show, add by hand, change, delete, and one machine's events.
import { Hono } from 'hono';
import type { Machine } from '../store/schema.js';
import type { Mutable, Store } from '../store/store.js';
import type { BootEventLog } from '../store/boot-events.js';
import { normalizeMac } from '../net/mac.js';
import { checkMachinePatch, type MachinePatch, type PowerCheck } from '../inventory/machine-input.js';
import { machineState } from '../inventory/machine-state.js';
import type { PowerAction } from '../power/driver.js';
import type { ApiEnv } from './guard.js';
import { machineView, unmaskPower } from './machine-view.js';
import { jsonObject, problem } from './problem.js';

export interface MachinesDeps {
  readonly store: Store;
  readonly events: BootEventLog;
  readonly checkPower: (input: unknown) => PowerCheck;
  /** What the machine's power driver can do, as the driver declares it; null when it has none (or none can be made). */
  readonly powerCan: (machine: Machine) => readonly PowerAction[] | null;
}

export function machinesRoutes(deps: MachinesDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { store, events } = deps;
  const find = (mac: string | null): Machine | undefined => (mac === null ? undefined : store.read().machines.find((m) => m.mac === mac));
  const view = (m: Machine) => {
    const recent = events.recent(m.mac);
    const can = deps.powerCan(m);
    const root = store.read().nfsExports.find((e) => e.machine === m.mac);
    return {
      ...machineView(m),
      state: machineState(m, recent, Date.now()),
      ...(can === null ? {} : { powerCan: can }),
      ...(root === undefined ? {} : { nfsExport: root.path }),
      events: recent,
    };
  };
  const notFound = (raw: string) => problem(404, 'NO_SUCH_MACHINE', `no machine ${raw}`);

  const checked = (input: Record<string, unknown>, stored: Machine | undefined) => {
    const power = input.power;
    const withSecrets =
      power !== null && typeof power === 'object' && !Array.isArray(power) ? { ...input, power: unmaskPower(power as Record<string, unknown>, stored?.power) } : input;
    return checkMachinePatch(withSecrets, { profiles: new Set(store.read().profiles.map((p) => p.name)), checkPower: deps.checkPower });
  };

  app.get('/', (c) => {
    const tag = c.req.query('tag');
    const machines = store.read().machines.filter((m) => tag === undefined || (m.tags ?? []).includes(tag));
    return c.json(machines.map(view));
  });

  app.post('/', async (c) => {
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    const { mac: rawMac, ...rest } = input;
    const mac = typeof rawMac === 'string' ? normalizeMac(rawMac) : null;
    if (mac === null) return problem(400, 'BAD_MAC', `mac: ${JSON.stringify(rawMac)} is not a MAC address`, 'mac');
    const result = checked(rest, undefined);
    if (!result.ok) return problem(400, 'INVALID_MACHINE', `${result.field}: ${result.error}`, result.field);
    const added = await store.update((draft) => {
      if (draft.machines.some((m) => m.mac === mac)) return null;
      const now = new Date().toISOString();
      const machine: Mutable<Machine> = { mac, firstSeen: now, lastSeen: now };
      apply(machine, result.patch);
      draft.machines.push(machine);
      return { ...machine } as Machine;
    });
    return added === null ? problem(409, 'MACHINE_EXISTS', `machine ${mac} is already known`) : c.json(view(added), 201);
  });

  app.get('/:mac', (c) => {
    const m = find(normalizeMac(c.req.param('mac')));
    return m === undefined ? notFound(c.req.param('mac')) : c.json(view(m));
  });

  app.get('/:mac/events', (c) => {
    const m = find(normalizeMac(c.req.param('mac')));
    return m === undefined ? notFound(c.req.param('mac')) : c.json(events.recent(m.mac));
  });

  app.patch('/:mac', async (c) => {
    const mac = normalizeMac(c.req.param('mac'));
    if (mac === null) return problem(400, 'BAD_MAC', `"${c.req.param('mac')}" is not a MAC address`);
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    const result = checked(input, find(mac));
    if (!result.ok) return problem(400, 'INVALID_MACHINE', `${result.field}: ${result.error}`, result.field);
    // Changing a machine not seen yet records it: a Pi can be set up by its MAC before it ever boots.
    const machine = await store.update((draft) => {
      let m = draft.machines.find((x) => x.mac === mac);
      if (m === undefined) {
        const now = new Date().toISOString();
        m = { mac, firstSeen: now, lastSeen: now };
        draft.machines.push(m);
      }
      apply(m, result.patch);
      return { ...m } as Machine;
    });
    return c.json(view(machine));
  });

  app.delete('/:mac', async (c) => {
    const mac = normalizeMac(c.req.param('mac'));
    const removed = await store.update((draft) => {
      const i = draft.machines.findIndex((m) => m.mac === mac);
      if (i < 0) return false;
      draft.machines.splice(i, 1);
      return true;
    });
    return removed ? c.json({ removed: mac }) : notFound(c.req.param('mac'));
  });
  return app;
}

function apply(machine: Mutable<Machine>, patch: MachinePatch): void {
  for (const [key, value] of Object.entries(patch) as Array<[keyof MachinePatch, unknown]>) {
    if (value === null) delete machine[key];
    else (machine as Record<string, unknown>)[key] = structuredClone(value);
  }
}
