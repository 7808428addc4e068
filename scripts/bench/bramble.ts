// Builds Bramble and starts `bramble serve` the way a user runs it (node bin/bramble.js, compiled dist/), with
// only the services an area measures and warn-level logs so that logging does not count against it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';
import { startServer } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { waitForListeners } from './ready.js';
import type { Listener } from './ready.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BrambleOptions {
  /** Namespace to run in, or null for the root namespace (loopback-only areas). */
  readonly netns: string | null;
  readonly interfaceName: string;
  readonly address: string;
  readonly dataDir: string;
  readonly ipxeDir: string;
  readonly httpPort: number;
  readonly tftpPort: number;
  /** Full DHCP mode with this pool (FIRST-LAST), or null for --dhcp-mode off. */
  readonly dhcpRange: string | null;
}

export function brambleArgv(options: BrambleOptions): string[] {
  const serve = [
    process.execPath,
    join(REPO_ROOT, 'bin', 'bramble.js'),
    'serve',
    '--interface', options.interfaceName,
    '--address', options.address,
    '--data-dir', options.dataDir,
    '--dhcp-mode', options.dhcpRange === null ? 'off' : 'full',
    ...(options.dhcpRange === null ? [] : ['--dhcp-range', options.dhcpRange]),
    '--http-port', String(options.httpPort),
    '--tftp-port', String(options.tftpPort),
    '--ipxe-dir', options.ipxeDir,
    '--dhcp-probe', 'false',
    '--log-level', 'warn',
  ];
  return options.netns === null ? serve : ['ip', 'netns', 'exec', options.netns, ...serve];
}

/** `npm run build`, so that the figures are for the code in the work tree, not a stale dist/. */
export async function buildBramble(): Promise<void> {
  const outcome = await runCommand(['npm', 'run', 'build'], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  if (outcome.code !== 0 || !existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) {
    const output = `${outcome.stdout}\n${outcome.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new BenchError('BUILD_FAILED', `npm run build failed (exit ${String(outcome.code)}), so Bramble cannot be measured:\n${output}`);
  }
}

/** Starts Bramble and resolves once its sockets are bound (warn-level logging prints nothing on start). */
export async function startBramble(options: BrambleOptions, label = 'bramble'): Promise<ServerProcess> {
  const server = startServer(brambleArgv(options), { label, cwd: REPO_ROOT });
  const listeners: Listener[] = [
    { transport: 'tcp', port: options.httpPort },
    { transport: 'udp', port: options.tftpPort },
    ...(options.dhcpRange === null ? [] : [{ transport: 'udp' as const, port: 67 }]),
  ];
  try {
    await waitForListeners(server, listeners, options.netns);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
