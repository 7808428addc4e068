// Whether the native socket addon (binding.gyp -> build/Release/bind_device.node) is built, for tests that need it.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { HarnessError } from '../../support/harness-error.js';
import { isCi } from '../../support/require-tool.js';
import { REPO_ROOT } from './segment.js';

export function requireAddon(t: TestContext): boolean {
  if (existsSync(`${REPO_ROOT}build/Release/bind_device.node`)) return true;
  const message = 'needs the native addon: run npm ci (or npx node-gyp rebuild)';
  if (isCi()) throw new HarnessError('TOOL_MISSING', `CI: ${message}`);
  t.skip(message);
  return false;
}
