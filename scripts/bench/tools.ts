// Finds the clients and peer servers the benchmarks drive, and their versions for the report; a missing one
// fails with the fix (scripts/bench/install-peers.sh) rather than skipping an area silently.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** tftpd-hpa conflicts with atftpd, so install-peers.sh extracts its in.tftpd here instead of installing it. */
export function tftpdHpaPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.BRAMBLE_BENCH_CACHE ?? '/tmp/bramble-bench-cache', 'tftpd-hpa', 'usr', 'sbin', 'in.tftpd');
}

export function findTool(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...SBIN_DIRS];
  return dirs.map((d) => join(d, name)).find(isExecutable);
}

/** Resolves every tool to its path, or throws TOOL_MISSING naming all that are missing. */
export function requireTools(names: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const path = findTool(name);
    if (path === undefined) missing.push(name);
    else found[name] = path;
  }
  if (missing.length > 0) {
    throw new BenchError('TOOL_MISSING', `missing ${missing.join(', ')}: run scripts/bench/install-peers.sh (as root) first`);
  }
  return found;
}

/** First line of a tool's version output that matches, e.g. toolVersion(['nginx', '-v'], /nginx\/\S+/). */
export async function toolVersion(argv: readonly string[], pattern: RegExp): Promise<string> {
  const outcome = await runCommand(argv, { timeoutMs: 10_000 });
  const match = pattern.exec(`${outcome.stdout}\n${outcome.stderr}`);
  return match === null ? 'unknown' : (match[1] ?? match[0]).trim();
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
