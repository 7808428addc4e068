// REST API v1 profiles: what a machine boots (kernel + initrd, iPXE script, chain, local disk).
import { Hono } from 'hono';
import { statSync } from 'node:fs';
import type { Mutable, Store } from '../store/store.js';
import type { Profile } from '../store/schema.js';
import { checkProfileInput, type ProfileInput } from '../profiles/profile-input.js';
import type { ApiEnv } from './guard.js';
import { jsonObject, problem } from './problem.js';

export function profilesRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', (c) => c.json(store.read().profiles));
  app.get('/:name', (c) => {
    const p = store.read().profiles.find((x) => x.name === c.req.param('name'));
    return p ? c.json(p) : problem(404, 'NO_SUCH_PROFILE', `no profile named "${c.req.param('name')}"`);
  });
  app.post('/', async (c) => {
    const input = await jsonObject(c.req.raw);
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
  app.delete('/:name', async (c) => {
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
  return app;
}

function isReadableFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
