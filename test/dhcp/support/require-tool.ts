// Gate for DHCP tests that need root or Debian tools: skip with the list of what is missing locally, fail under CI.
import type { TestContext } from 'node:test';
import { HarnessError } from '../../support/harness-error.js';
import { findOnPath, isCi } from '../../support/require-tool.js';

/** What is missing for a test that needs these tools (and root, unless `root: false`); empty when all is there. */
export function missingRequirements(tools: readonly string[], options: { readonly root?: boolean } = {}): string[] {
  const missing: string[] = [];
  if (options.root !== false && process.getuid?.() !== 0) missing.push('root (network namespaces)');
  // PATH only: these tests run their tools by bare name.
  for (const tool of tools) if (findOnPath(tool) === undefined) missing.push(tool);
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
  if (isCi()) throw new HarnessError('TOOL_MISSING', `CI: ${message}`);
  t.skip(message);
  return false;
}
