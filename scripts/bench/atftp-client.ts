// One download with the atftp client (the only Debian client that sends RFC 7440 windowsize), timed from spawn
// to exit, and checked: exit 0 and every byte arrived (a short or failed transfer must not count as fast).
import { rm, stat } from 'node:fs/promises';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';

export interface AtftpGet {
  readonly server: string;
  readonly port: number;
  readonly remoteFile: string;
  /** Where to write; '/dev/null' skips the size check (for many clients at once). */
  readonly localFile: string;
  readonly expectedBytes: number;
  readonly blksize: number;
  /** null: no windowsize option at all (RFC 1350 lock-step, as tftpd-hpa speaks it). */
  readonly windowsize: number | null;
  readonly timeoutMs?: number;
}

export function atftpArgv(get: AtftpGet): string[] {
  return [
    'atftp',
    '--option', `blksize ${get.blksize}`,
    ...(get.windowsize === null ? [] : ['--option', `windowsize ${get.windowsize}`]),
    '-g', '-r', get.remoteFile, '-l', get.localFile,
    get.server, String(get.port),
  ];
}

/** Returns the wall time in ms; the downloaded file is left for the caller to verify or delete. */
export async function atftpGet(get: AtftpGet): Promise<number> {
  const outcome = await runCommand(atftpArgv(get), { timeoutMs: get.timeoutMs ?? 300_000 });
  if (outcome.code !== 0) {
    const why = (outcome.stderr.trim() || outcome.stdout.trim()).split('\n').slice(-3).join(' / ');
    throw new BenchError('TRANSFER_FAILED', `atftp from ${get.server}:${get.port} exited ${String(outcome.code ?? outcome.signal)}: ${why}`);
  }
  if (get.localFile !== '/dev/null') {
    const size = (await stat(get.localFile)).size;
    if (size !== get.expectedBytes) {
      await rm(get.localFile, { force: true });
      throw new BenchError('TRANSFER_FAILED', `atftp from ${get.server}:${get.port} got ${size} bytes, expected ${get.expectedBytes}`);
    }
  }
  return outcome.ms;
}
