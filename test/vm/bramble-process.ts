// Runs the real Bramble CLI (bin/bramble.js, built by `npm run build`) inside a test namespace: `serve` as a
// managed process, and the one-shot commands (profile add, settings set, machine ls --json) to completion.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../support/harness-error.js';
import { waitForListening } from '../support/listening.js';
import type { Transport } from '../support/listening.js';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import type { Netns } from '../support/netns.js';
import { runCommand } from '../support/run-command.js';
import type { VmLab } from './vm-lab.js';

export const BRAMBLE_BIN = 'bin/bramble.js';
export const BRAMBLE_HTTP_PORT = 8080;
export const BRAMBLE_TFTP_PORT = 69;

export interface ServeOptions {
  readonly bridge: string;
  readonly address: string;
  readonly dataDir: string;
  readonly dhcpMode: 'full' | 'proxy';
  /** Full mode only. */
  readonly range?: { readonly first: string; readonly last: string };
  readonly defaultProfile?: string;
  /** `--wake-deadline`: how long a Wake-on-LAN wake is watched before "wake failed" (serve's default: 180 s). */
  readonly wakeDeadlineSeconds?: number;
}

/** The `bramble serve` argv as the issue specifies it. */
export function serveArgs(options: ServeOptions): string[] {
  return [
    'serve',
    '--interface', options.bridge,
    '--address', options.address,
    '--data-dir', options.dataDir,
    '--dhcp-mode', options.dhcpMode,
    ...(options.range === undefined ? [] : ['--dhcp-range', `${options.range.first}-${options.range.last}`]),
    '--http-port', String(BRAMBLE_HTTP_PORT),
    '--tftp-port', String(BRAMBLE_TFTP_PORT),
    ...(options.defaultProfile === undefined ? [] : ['--default-profile', options.defaultProfile]),
    ...(options.wakeDeadlineSeconds === undefined ? [] : ['--wake-deadline', String(options.wakeDeadlineSeconds)]),
    '--log-level', 'debug',
  ];
}

/** The sockets a ready server holds: DHCP 67 (and 4011 for proxyDHCP), TFTP, HTTP. */
export function serveSockets(mode: 'full' | 'proxy'): Array<{ transport: Transport; port: number }> {
  return [
    { transport: 'udp', port: 67 },
    ...(mode === 'proxy' ? [{ transport: 'udp' as const, port: 4011 }] : []),
    { transport: 'udp', port: BRAMBLE_TFTP_PORT },
    { transport: 'tcp', port: BRAMBLE_HTTP_PORT },
  ];
}

/** Fails with a clear message instead of a module-not-found trace when the CLI was never compiled. */
export function assertBrambleBuilt(repo: string = process.cwd()): void {
  if (!existsSync(join(repo, 'dist', 'cli.js'))) {
    throw new HarnessError(
      'BRAMBLE_NOT_BUILT',
      'dist/cli.js is missing: run `npm run build` before the VM tests (bin/bramble.js runs the compiled CLI)',
    );
  }
}

export async function startBrambleServe(ns: Netns, options: ServeOptions, logFile: string): Promise<ManagedProcess> {
  assertBrambleBuilt();
  const serve = startProcess(ns.argv([process.execPath, BRAMBLE_BIN, ...serveArgs(options)]), {
    label: `bramble serve (${options.dhcpMode})`,
    logFile,
  });
  try {
    await serve.waitFor(/bramble is serving/, 30_000);
    await waitForListening(ns, serveSockets(options.dhcpMode), 10_000);
  } catch (error) {
    await serve.stop();
    throw error;
  }
  return serve;
}

/**
 * `bramble serve` as the full DHCP server of a VM lab's LAN (data and log in the lab's folders), stopped at the
 * lab's teardown (or before, by the test: stop() may be called twice), once `tcpPorts` listen too.
 */
export async function serveVmLab(
  lab: VmLab,
  options: { readonly range: { readonly first: string; readonly last: string }; readonly defaultProfile: string; readonly tcpPorts: readonly number[]; readonly logName?: string },
): Promise<ManagedProcess> {
  const server = await startBrambleServe(
    lab.lan.ns,
    { bridge: lab.lan.bridge, address: lab.lan.serverAddress, dataDir: lab.dataDir, dhcpMode: 'full', range: options.range, defaultProfile: options.defaultProfile },
    join(lab.workDir, options.logName ?? 'bramble.log'),
  );
  lab.teardown.defer('stop bramble', () => server.stop());
  await waitForListening(lab.lan.ns, options.tcpPorts.map((port) => ({ transport: 'tcp' as const, port })), 10_000);
  return server;
}

/** One CLI command inside the namespace (so it reaches the server the same way an admin on that host would). */
export async function brambleCli(ns: Netns, args: readonly string[]): Promise<string> {
  assertBrambleBuilt();
  const { stdout } = await ns.run([process.execPath, BRAMBLE_BIN, ...args], { timeoutMs: 30_000 });
  return stdout;
}

/** The fields of `bramble machine ls --json` these tests rely on. */
export interface MachineRow {
  readonly mac: string;
  readonly arch?: number;
  readonly firmware?: string;
  readonly events: ReadonlyArray<{ readonly stage: string; readonly detail: string }>;
}

export async function listMachines(ns: Netns, dataDir: string): Promise<MachineRow[]> {
  const text = await brambleCli(ns, ['machine', 'ls', '--data-dir', dataDir, '--json']);
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new HarnessError('COMMAND_FAILED', `machine ls --json printed no array: ${text.slice(0, 200)}`);
  return parsed as MachineRow[];
}
