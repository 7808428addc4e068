// `bramble machine ...`: list, show, add, remove, name, tag and assign machines, and store their power settings.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { withApi, type ApiCall } from '../control/control-client.js';
import type { Machine } from '../store/schema.js';
import { dataDirFrom } from './data-dir.js';
import { failed } from './api-result.js';
import { lookupMachine } from './machine-ref.js';
import { assignment, machineDetails, machineTable, type MachineView } from './machine-text.js';
import { POWER_DRIVERS, inlineSecrets, mergePowerSettings, parseSetArgs, powerText, resolveSetValues } from './power-settings-args.js';
import { usage, type Output } from './output.js';

const options = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  tag: { type: 'string', multiple: true },
  name: { type: 'string' },
  remove: { type: 'boolean' },
  once: { type: 'boolean' },
  none: { type: 'boolean' },
  profile: { type: 'string' },
  'boot-once': { type: 'string' },
  address: { type: 'string' },
  driver: { type: 'string' },
  set: { type: 'string', multiple: true },
} as const;

type Flag = Exclude<keyof typeof options, 'data-dir'>;
type Values = { [K in keyof typeof options]?: (typeof options)[K] extends { multiple: true } ? string[] : (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

interface Run {
  readonly call: ApiCall;
  /** Positionals after the action's name. */
  readonly args: readonly string[];
  readonly values: Values;
  readonly io: Output;
}

interface Action {
  readonly usage: string;
  readonly flags: readonly Flag[];
  /** How many positionals the action takes after its name. */
  readonly min: number;
  readonly max: number;
  run(r: Run): Promise<number>;
}

const SET_USAGE = 'machine set MACHINE [--profile NAME|none] [--boot-once NAME|none] [--name TEXT] [--address IP|none]';

const actions: Readonly<Record<string, Action>> = {
  ls: {
    usage: 'machine ls [--tag TAG] [--json]',
    flags: ['tag', 'json'],
    min: 0,
    max: 0,
    async run({ call, values, io }) {
      const tags = values.tag ?? [];
      if (tags.length > 1) return usage(io, this.usage);
      const res = await call('GET', `/api/v1/machines${tags[0] === undefined ? '' : `?tag=${encodeURIComponent(tags[0])}`}`);
      if (failed(res, io)) return 1;
      const machines = res.body as MachineView[];
      if (values.json) io.out(JSON.stringify(machines, null, 2));
      else if (machines.length === 0) io.out(tags[0] === undefined ? 'no machines yet: they appear when they boot, or add one with bramble machine add MAC' : `no machine is tagged ${tags[0]}`);
      else io.out(machineTable(machines));
      return 0;
    },
  },
  show: {
    usage: 'machine show MACHINE [--json]',
    flags: ['json'],
    min: 1,
    max: 1,
    async run({ call, args, values, io }) {
      const m = await fetchMachine(call, args[0]!, io);
      if (m === null) return 1;
      io.out(values.json ? JSON.stringify(m, null, 2) : machineDetails(m));
      return 0;
    },
  },
  add: {
    usage: 'machine add MAC [--name NAME] [--tag TAG]...',
    flags: ['name', 'tag'],
    min: 1,
    max: 1,
    async run({ call, args, values, io }) {
      const body = { mac: args[0], ...(values.name === undefined ? {} : { name: values.name }), ...(values.tag === undefined ? {} : { tags: values.tag }) };
      const res = await call('POST', '/api/v1/machines', body);
      if (failed(res, io)) return 1;
      const m = res.body as MachineView;
      io.out(`machine ${m.mac} added${m.name === undefined ? '' : ` as ${m.name}`}`);
      return 0;
    },
  },
  rm: {
    usage: 'machine rm MACHINE',
    flags: [],
    min: 1,
    max: 1,
    run: ({ call, args, io }) =>
      withMachine(call, args[0]!, io, async (mac) => {
        const res = await call('DELETE', `/api/v1/machines/${mac}`);
        if (failed(res, io)) return 1;
        io.out(`machine ${mac} removed`);
        return 0;
      }),
  },
  rename: {
    usage: 'machine rename MACHINE NEW-NAME   ("" removes the name)',
    flags: [],
    min: 2,
    max: 2,
    run: ({ call, args, io }) =>
      withMachine(call, args[0]!, io, async (mac) => {
        const name = args[1]!;
        const m = await patch(call, mac, { name: name === '' ? null : name }, io);
        if (m === null) return 1;
        io.out(m.name === undefined ? `machine ${mac} has no name now` : `machine ${mac} is now named ${m.name}`);
        // The API allows a name twice; say so now rather than when the name stops working as a MACHINE argument.
        const all = await call('GET', '/api/v1/machines');
        const others = all.status < 400 ? (all.body as Machine[]).filter((x) => x.mac !== mac && x.name === m.name && m.name !== undefined) : [];
        if (others.length > 0) io.err(`note: ${others.map((x) => x.mac).join(', ')} is also named ${m.name}; refer to these machines by MAC`);
        return 0;
      }),
  },
  tag: {
    usage: 'machine tag MACHINE TAG... [--remove]',
    flags: ['remove'],
    min: 2,
    max: Infinity,
    run: ({ call, args, values, io }) =>
      withMachine(call, args[0]!, io, async (mac) => {
        const current = await fetchMachine(call, mac, io);
        if (current === null) return 1;
        const given = args.slice(1);
        const before = current.tags ?? [];
        const tags = values.remove ? before.filter((t) => !given.includes(t)) : [...before, ...given.filter((t) => !before.includes(t))];
        const m = await patch(call, mac, { tags: tags.length === 0 ? null : tags }, io);
        if (m === null) return 1;
        io.out(`machine ${mac} tags: ${(m.tags ?? []).join(', ') || 'none'}`);
        return 0;
      }),
  },
  assign: {
    usage: 'machine assign MACHINE (PROFILE | --none) [--once]',
    flags: ['once', 'none'],
    min: 1,
    max: 2,
    async run({ call, args, values, io }) {
      const profile = args[1];
      if ((profile === undefined) === !values.none) return usage(io, this.usage);
      return withMachine(call, args[0]!, io, async (mac) => {
        const m = await patch(call, mac, { [values.once ? 'bootOnce' : 'profile']: profile ?? null }, io);
        if (m === null) return 1;
        io.out(`machine ${mac} boots: ${assignment(m) || 'the default (menu or default profile)'}`);
        return 0;
      });
    },
  },
  set: {
    usage: SET_USAGE,
    flags: ['profile', 'boot-once', 'name', 'address'],
    min: 1,
    max: 1,
    async run({ call, args, values, io }) {
      const change: Record<string, string | null> = {};
      if (values.profile !== undefined) change.profile = values.profile === 'none' ? null : values.profile;
      if (values['boot-once'] !== undefined) change.bootOnce = values['boot-once'] === 'none' ? null : values['boot-once'];
      if (values.name !== undefined) change.name = values.name === '' ? null : values.name;
      if (values.address !== undefined) change.reservedAddress = values.address === 'none' ? null : values.address;
      if (Object.keys(change).length === 0) return usage(io, SET_USAGE);
      return withMachine(call, args[0]!, io, async (mac) => {
        const m = await patch(call, mac, change, io);
        if (m === null) return 1;
        io.out(`machine ${m.mac} updated`);
        return 0;
      });
    },
  },
  'power-setup': {
    usage: `machine power-setup MACHINE (--driver ${POWER_DRIVERS.join('|')} [--set KEY=VALUE]... | --none)`,
    flags: ['driver', 'set', 'none'],
    min: 1,
    max: 1,
    async run({ call, args, values, io }) {
      const driver = values.driver;
      if (values.none) {
        if (driver !== undefined || values.set !== undefined) return usage(io, this.usage);
        return withMachine(call, args[0]!, io, async (mac) => {
          if ((await patch(call, mac, { power: null }, io)) === null) return 1;
          io.out(`machine ${mac} has no power settings now`);
          return 0;
        });
      }
      if (driver === undefined || !(POWER_DRIVERS as readonly string[]).includes(driver)) {
        io.err(`bramble: --driver: one of ${POWER_DRIVERS.join(', ')} is needed`);
        return usage(io, this.usage);
      }
      const given = parseSetArgs(values.set ?? []);
      const parsed = given.ok ? await resolveSetValues(given.sets, readSetValue) : given;
      if (!parsed.ok) {
        io.err(`bramble: ${parsed.message}`);
        return 2;
      }
      for (const key of inlineSecrets(values.set ?? [])) {
        io.err(`bramble: warning: --set ${key}=... on the command line is visible to other users of this machine in the process list; --set ${key}=@FILE reads it from a file (@- from standard input)`);
      }
      return withMachine(call, args[0]!, io, async (mac) => {
        // Unknown machines are fine (the API records them), so a 404 here only means nothing is stored yet.
        const res = await call('GET', `/api/v1/machines/${mac}`);
        const stored = res.status === 200 ? (res.body as MachineView).power : undefined;
        const m = await patch(call, mac, { power: mergePowerSettings(driver, stored, parsed.sets) }, io);
        if (m === null) return 1;
        io.out(`machine ${mac} power: ${powerText(m.power)}`);
        return 0;
      });
    },
  },
};

/** A `--set key=@PATH` value: the file's text, or standard input's for '-'. */
async function readSetValue(path: string): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function machineCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options });
  const [name, ...rest] = positionals;
  const action = name === undefined ? undefined : actions[name];
  if (action === undefined) return usage(io, `machine ${Object.keys(actions).join('|')}`);
  const given = (Object.keys(values) as (keyof typeof options)[]).filter((k) => k !== 'data-dir');
  const stray = given.find((k) => !(action.flags as readonly string[]).includes(k));
  if (stray !== undefined) {
    io.err(`bramble machine ${name}: --${stray} is not an option of this command`);
    return usage(io, action.usage);
  }
  if (rest.length < action.min || rest.length > action.max) return usage(io, action.usage);
  return withApi(dataDirFrom(values['data-dir'], env), (call) => action.run({ call, args: rest, values, io }));
}

async function withMachine(call: ApiCall, text: string, io: Output, use: (mac: string) => Promise<number>): Promise<number> {
  const ref = await lookupMachine(call, text);
  if (!ref.ok) {
    io.err(`bramble: ${ref.message}`);
    return 1;
  }
  return use(ref.mac);
}

async function fetchMachine(call: ApiCall, text: string, io: Output): Promise<MachineView | null> {
  const ref = await lookupMachine(call, text);
  if (!ref.ok) {
    io.err(`bramble: ${ref.message}`);
    return null;
  }
  const res = await call('GET', `/api/v1/machines/${ref.mac}`);
  return failed(res, io) ? null : (res.body as MachineView);
}

async function patch(call: ApiCall, mac: string, change: Record<string, unknown>, io: Output): Promise<MachineView | null> {
  const res = await call('PATCH', `/api/v1/machines/${mac}`, change);
  return failed(res, io) ? null : (res.body as MachineView);
}
