// Test harness for the TFTP server (RFC 1350): generated root folder, server on 127.0.0.1, events, client runs.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/logger.js';
import type { TftpFiles } from '../../src/tftp/files.js';
import { folderFiles } from '../../src/tftp/folder-files.js';
import { loadNativePumps } from '../../src/tftp/native-pump.js';
import type { NativePumps } from '../../src/tftp/native-pump.js';
import { createTftpServer } from '../../src/tftp/server.js';
import type { TftpServer, TftpServerOptions, TftpTransferEvent } from '../../src/tftp/server.js';

export const BIG_SIZE = 65_535 * 512 + 100_000; // past block 65535 at blksize 512: the block number rolls over
export const EXACT_512 = 512 * 2048;
export const EXACT_1468 = 1468 * 100;

export interface TestRoot {
  readonly top: string;
  readonly root: string;
  readonly outside: string;
  /** sha256 of each generated file under root, by its name. */
  readonly sha: Readonly<Record<string, string>>;
  remove(): void;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

export function makeRoot(options: { readonly big: boolean }): TestRoot {
  const top = mkdtempSync(join(tmpdir(), 'bramble-tftp-server-'));
  const root = join(top, 'root');
  const outside = join(top, 'outside');
  mkdirSync(join(root, 'Boot', 'Grub'), { recursive: true });
  mkdirSync(outside);
  const files: Record<string, Buffer> = {
    'zero.bin': Buffer.alloc(0),
    'small.txt': Buffer.from('hello from bramble\n'),
    'exact512.bin': randomBytes(EXACT_512),
    'exact1468.bin': randomBytes(EXACT_1468),
    'medium.bin': randomBytes(1_000_003),
    'ipxe.efi': randomBytes(40_000),
    'undionly.kpxe': randomBytes(70_000),
    'config.txt': Buffer.from('arm_64bit=1\nkernel=kernel8.img\n'),
    'menu.txt': Buffer.from('line one\nline two\r\nbare\rcr\n'),
    'Boot/Grub/Grub.CFG': Buffer.from('set timeout=5\n'),
  };
  if (options.big) files['big.bin'] = randomBytes(BIG_SIZE);
  const sha: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(root, name), data);
    sha[name] = sha256(data);
  }
  writeFileSync(join(outside, 'secret'), 'not for tftp clients\n');
  symlinkSync(join(outside, 'secret'), join(root, 'escape'));
  return { top, root, outside, sha, remove: () => rmSync(top, { recursive: true, force: true }) };
}

export interface Harness {
  readonly server: TftpServer;
  readonly port: number;
  readonly events: TftpTransferEvent[];
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves once `count` transfer events have arrived in total. */
  eventsAfter(count: number, timeoutMs?: number): Promise<TftpTransferEvent[]>;
  stop(): Promise<void>;
}

/** Which data pump runs the transfers: the native thread (what `bramble serve` uses) or Node's sockets. */
export type Engine = 'native' | 'js';

/** The native pump is built by `npm ci`; a test that asks for it and cannot have it fails rather than skips. */
export function nativePumps(): NativePumps {
  const loaded = loadNativePumps();
  if (loaded.pumps === null) throw new Error(`the native TFTP pump is not available: ${loaded.reason}`);
  return loaded.pumps;
}

export async function startServer(
  files: TftpFiles | string,
  options: Partial<Omit<TftpServerOptions, 'files' | 'log' | 'onTransfer' | 'nativePumps'>> & { readonly engine?: Engine } = {},
): Promise<Harness> {
  const { engine = 'native', ...serverOptions } = options;
  const events: TftpTransferEvent[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  const server = createTftpServer({
    address: '127.0.0.1',
    port: 0,
    files: typeof files === 'string' ? folderFiles([files]) : files,
    log: createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    onTransfer: (event) => {
      events.push(event);
      for (const w of waiters.splice(0)) w();
    },
    nativePumps: engine === 'native' ? nativePumps() : null,
    ...serverOptions,
  });
  const { port } = await server.start();
  let stopped = false;
  return {
    server,
    port,
    events,
    logs,
    eventsAfter: async (count, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} transfer events, got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return events;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

export interface ClientRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a client to completion; a non-zero exit is a result here, not an exception. */
export function runClient(argv: readonly string[], timeoutMs = 120_000): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
