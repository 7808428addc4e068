// Whether the native socket addon (binding.gyp -> build/Release/bind_device.node) is built, for tests that need it.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './segment.js';

export function requireAddon(t: TestContext): boolean {
  if (existsSync(`${REPO_ROOT}build/Release/bind_device.node`)) return true;
  const message = 'needs the native addon: run npm ci (or npx node-gyp rebuild)';
  if (process.env.CI !== undefined && process.env.CI !== '') throw Object.assign(new Error(`CI: ${message}`), { code: 'TOOL_MISSING' });
  t.skip(message);
  return false;
}
