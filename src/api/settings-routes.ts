// REST API v1 settings: the menu's title, timeout and default entry, changed as "dotted.key": value.
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import { applySettingsPatch } from '../profiles/settings-patch.js';
import type { ApiEnv } from './guard.js';
import { jsonObject, problem } from './problem.js';

export function settingsRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', (c) => c.json(store.read().settings));
  app.patch('/', async (c) => {
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object of "key": value');
    const patched = applySettingsPatch(store.read().settings, input);
    if (!patched.ok) return problem(400, 'INVALID_SETTING', `${patched.key}: ${patched.error}`, patched.key);
    await store.update((draft) => {
      draft.settings = patched.settings;
    });
    return c.json(patched.settings);
  });
  return app;
}
