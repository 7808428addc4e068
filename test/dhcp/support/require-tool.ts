// Gate for tests that need root or Debian tools: skip with a reason locally, fail when env CI is set.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

export function findTool(name: string): string | null {
  // PATH only: the tests run tools by name, so a tool outside PATH is as good as missing.
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** What is missing for a test that needs these tools (and root, unless `root: false`); empty when all is there. */
export function missingRequirements(tools: readonly string[], options: { readonly root?: boolean } = {}): string[] {
  const missing: string[] = [];
  if (options.root !== false && process.getuid?.() !== 0) missing.push('root (network namespaces)');
  for (const tool of tools) if (findTool(tool) === null) missing.push(tool);
  return missing;
}

/**
 * True when the test may go on. Otherwise skips it with the list of what is missing, or, under CI, throws so
 * that a CI machine without the tools fails loudly instead of passing on skipped tests.
 */
export function requireTools(t: TestContext, tools: readonly string[], options: { readonly root?: boolean } = {}): boolean {
  const missing = missingRequirements(tools, options);
  if (missing.length === 0) return true;
  const message = `needs ${missing.join(', ')}`;
  if (process.env.CI !== undefined && process.env.CI !== '') {
    throw Object.assign(new Error(`CI: ${message}`), { code: 'TOOL_MISSING' });
  }
  t.skip(message);
  return false;
}
