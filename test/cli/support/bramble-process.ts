// The built CLI as a user runs it (bin/bramble.js in its own process), and free loopback ports for `bramble serve`.
import { createServer } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const run = promisify(execFile);
export const cliPath = join(process.cwd(), 'bin', 'bramble.js');

export async function requireBuild(): Promise<void> {
  await access(join(process.cwd(), 'dist', 'cli.js')).catch(() => assert.fail('dist/cli.js missing: run `npm run build` first'));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export async function bramble(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
