// Loads one of Bramble's optional N-API addons (native/*.c, built by node-gyp into build/Release on npm install).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../files/package-root.js';

export type AddonLoad<T> = { readonly ok: true; readonly addon: T; readonly path: string } | { readonly ok: false; readonly reason: string };

/**
 * Finds the package root by walking up from `from` (src/... under tsx, dist/... after the build) to the
 * package.json named "bramble", and loads build/Release/NAME.node from there; `fits` checks its exports.
 */
export function loadAddon<T>(name: string, fits: (loaded: Record<string, unknown>) => boolean, from: string): AddonLoad<T> {
  const root = packageRoot(dirname(fileURLToPath(from)));
  if (root === null) return { ok: false, reason: 'package root (package.json of bramble) not found' };
  const path = join(root, 'build', 'Release', `${name}.node`);
  if (!existsSync(path)) return { ok: false, reason: `${path} not built (run npm ci, or npm rebuild bramble)` };
  try {
    const loaded = createRequire(from)(path) as Record<string, unknown>;
    if (!fits(loaded)) return { ok: false, reason: `${path} lacks the expected functions (stale build?)` };
    return { ok: true, addon: loaded as T, path };
  } catch (error) {
    return { ok: false, reason: `${path} failed to load: ${(error as Error).message}` };
  }
}
