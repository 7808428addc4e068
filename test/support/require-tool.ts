// Gates tests on host prerequisites (tools, root, firmware files): skip locally with the reason, but fail when
// env CI is set, so that a CI run without QEMU or root cannot pass by skipping everything.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { HarnessError } from './harness-error.js';
import type { HarnessErrorCode } from './harness-error.js';

/** Root's sbin folders are searched too: ip, dnsmasq and friends live there and PATH often lacks them. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function findTool(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  return findIn(name, [...pathDirs(pathEnv), ...EXTRA_DIRS]);
}

/** PATH only, for tests that run their tools by bare name: a tool outside PATH is as good as missing to them. */
export function findOnPath(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  return findIn(name, pathDirs(pathEnv));
}

function pathDirs(pathEnv: string): string[] {
  return pathEnv.split(delimiter).filter((d) => d !== '');
}

function findIn(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder; keep looking
    }
  }
  return undefined;
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
}

/** Skips the test (returns false) locally; throws under CI. Callers write `if (!requireX(t, ...)) return;`. */
function missing(t: TestContext, code: HarnessErrorCode, reason: string): false {
  if (isCi()) throw new HarnessError(code, `${reason} (CI is set: a missing prerequisite fails instead of skipping)`);
  t.skip(reason);
  return false;
}

export function requireTool(t: TestContext, name: string, debianPackage?: string): boolean {
  if (findTool(name) !== undefined) return true;
  const hint = debianPackage === undefined ? '' : ` (Debian package ${debianPackage})`;
  return missing(t, 'TOOL_MISSING', `needs the tool ${name}${hint}, which is not installed`);
}

export function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  return missing(t, 'NOT_ROOT', 'needs root (network namespaces, tap devices)');
}

export function requireFile(t: TestContext, path: string, debianPackage?: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    const hint = debianPackage === undefined ? '' : ` (Debian package ${debianPackage})`;
    return missing(t, 'FILE_MISSING', `needs the file ${path}${hint}, which is missing`);
  }
}
