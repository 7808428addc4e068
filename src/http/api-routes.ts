// The admin JSON API (profiles, machines, settings, status), served on the data folder's control socket.
import { Hono } from 'hono';
import { statSync } from 'node:fs';
import type { Mutable, Store } from '../store/store.js';
import type { BootEventLog } from '../store/boot-events.js';
import type { Machine, Profile } from '../store/schema.js';
import { checkProfileInput, type ProfileInput } from '../profiles/profile-input.js';
import { normalizeMac } from '../net/mac.js';
import { isIpv4 } from '../net/ipv4.js';
import { applySettingsPatch } from '../profiles/settings-patch.js';

export interface ApiDeps {
  readonly store: Store;
  readonly events: BootEventLog;
  /** Live service status, or null when the API runs in-process for a CLI command with no server. */
  readonly status: (() => Record<string, unknown>) | null;
}

export function apiRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { store, events } = deps;
  const problem = (status: 400 | 404 | 409, code: string, message: string, field?: string) =>
    new Response(JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  const body = async (req: Request): Promise<Record<string, unknown> | null> => {
    try {
      const v: unknown = await req.json();
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  const withEvents = (m: Machine) => ({ ...m, events: events.recent(m.mac) });

  app.get('/api/status', (c) => c.json({ server: deps.status !== null, ...(deps.status?.() ?? {}) }));

  app.get('/api/profiles', (c) => c.json(store.read().profiles));
  app.get('/api/profiles/:name', (c) => {
    const p = store.read().profiles.find((x) => x.name === c.req.param('name'));
    return p ? c.json(p) : problem(404, 'NO_SUCH_PROFILE', `no profile named "${c.req.param('name')}"`);
  });
  app.post('/api/profiles', async (c) => {
    const input = await body(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    const replace = c.req.query('replace') === 'true';
    const checked = checkProfileInput(input as ProfileInput, isReadableFile, new Date().toISOString());
    if (!checked.ok) return problem(400, 'INVALID_PROFILE', `${checked.field}: ${checked.error}`, checked.field);
    const outcome = await store.update((draft) => {
      const i = draft.profiles.findIndex((p) => p.name === checked.profile.name);
      if (i >= 0 && !replace) return 'exists' as const;
      const profile = structuredClone(checked.profile) as Mutable<Profile>;
      if (i >= 0) draft.profiles[i] = profile;
      else draft.profiles.push(profile);
      return 'saved' as const;
    });
    if (outcome === 'exists') return problem(409, 'PROFILE_EXISTS', `a profile named "${checked.profile.name}" exists (use --replace)`);
    return c.json(checked.profile, 201);
  });
  app.delete('/api/profiles/:name', async (c) => {
    const name = c.req.param('name');
    const users = store.read().machines.filter((m) => m.profile === name || m.bootOnce === name).map((m) => m.mac);
    if (users.length > 0 && c.req.query('force') !== 'true') {
      return problem(409, 'PROFILE_IN_USE', `profile "${name}" is assigned to ${users.join(', ')} (use --force to unassign it)`);
    }
    const removed = await store.update((draft) => {
      const i = draft.profiles.findIndex((p) => p.name === name);
      if (i < 0) return false;
      draft.profiles.splice(i, 1);
      for (const m of draft.machines) {
        if (m.profile === name) delete m.profile;
        if (m.bootOnce === name) delete m.bootOnce;
      }
      return true;
    });
    return removed ? c.json({ removed: name }) : problem(404, 'NO_SUCH_PROFILE', `no profile named "${name}"`);
  });

  app.get('/api/machines', (c) => c.json(store.read().machines.map(withEvents)));
  app.get('/api/machines/:mac', (c) => {
    const mac = normalizeMac(c.req.param('mac'));
    const m = mac === null ? undefined : store.read().machines.find((x) => x.mac === mac);
    return m ? c.json(withEvents(m)) : problem(404, 'NO_SUCH_MACHINE', `no machine ${c.req.param('mac')}`);
  });
  app.patch('/api/machines/:mac', async (c) => {
    const mac = normalizeMac(c.req.param('mac'));
    if (mac === null) return problem(400, 'BAD_MAC', `"${c.req.param('mac')}" is not a MAC address`);
    const input = await body(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    const profiles = new Set(store.read().profiles.map((p) => p.name));
    for (const field of ['profile', 'bootOnce'] as const) {
      const v = input[field];
      if (v !== undefined && v !== null && (typeof v !== 'string' || !profiles.has(v))) {
        return problem(400, 'NO_SUCH_PROFILE', `${field}: no profile named ${JSON.stringify(v)}`, field);
      }
    }
    if (input.name !== undefined && input.name !== null && (typeof input.name !== 'string' || /[\r\n]/.test(input.name))) {
      return problem(400, 'BAD_NAME', 'name: must be a single line of text', 'name');
    }
    const address = input.reservedAddress;
    if (address !== undefined && address !== null && (typeof address !== 'string' || !isIpv4(address))) {
      return problem(400, 'BAD_ADDRESS', `reservedAddress: ${JSON.stringify(address)} is not an IPv4 address`, 'reservedAddress');
    }
    const machine = await store.update((draft) => {
      let m = draft.machines.find((x) => x.mac === mac);
      if (m === undefined) {
        const now = new Date().toISOString();
        m = { mac, firstSeen: now, lastSeen: now };
        draft.machines.push(m);
      }
      for (const field of ['profile', 'bootOnce', 'name', 'reservedAddress'] as const) {
        if (input[field] === null) delete m[field];
        else if (typeof input[field] === 'string') m[field] = input[field] as string;
      }
      return { ...m };
    });
    return c.json(machine);
  });

  app.get('/api/settings', (c) => c.json(store.read().settings));
  app.patch('/api/settings', async (c) => {
    const input = await body(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object of "key": value');
    const current = store.read().settings;
    const patched = applySettingsPatch(current, input);
    if (!patched.ok) return problem(400, 'INVALID_SETTING', `${patched.key}: ${patched.error}`, patched.key);
    await store.update((draft) => {
      draft.settings = patched.settings;
    });
    return c.json(patched.settings);
  });
  return app;
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
