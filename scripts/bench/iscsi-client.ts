// The iSCSI benchmark's initiators, all user space (libiscsi), run in the server's namespace: iscsi-perf for
// reads (libiscsi-bin: it only reads), iscsi-io (iscsi-io.c, built here against libiscsi-dev) for writes and
// for filling a disk, and iscsi-test-cu for conformance. Every run's output is parsed or the run fails.
import { join } from 'node:path';
import { BenchError } from './bench-error.js';
import { REPO_ROOT } from './bramble.js';
import { mustRun, runCommand } from './command.js';
import type { Exec } from './nfs-client.js';

export interface IscsiTarget {
  readonly host: string;
  readonly port: number;
  readonly iqn: string;
  readonly lun: number;
  readonly chap: { readonly user: string; readonly secret: string };
}

/** libiscsi's form: iscsi://USER%SECRET@HOST:PORT/IQN/LUN. */
export function iscsiUrl(t: IscsiTarget): string {
  return `iscsi://${encodeURIComponent(t.chap.user)}%${encodeURIComponent(t.chap.secret)}@${t.host}:${t.port}/${t.iqn}/${t.lun}`;
}

export interface IoPattern {
  /** Commands in flight. */
  readonly depth: number;
  /** 512-byte blocks per command. */
  readonly blocks: number;
  readonly random: boolean;
}

export interface IoRun {
  readonly iops: number;
  /** 10^6 bytes/s of data moved. */
  readonly mbPerSecond: number;
  /** Commands completed (iscsi-perf prints no count: its average x the run's seconds). */
  readonly commands: number;
}

const why = (stdout: string, stderr: string): string => (stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' / ');

/**
 * `iscsi-perf [-r] -m DEPTH -b BLOCKS -t SECONDS URL`: READ (16) for SECONDS, then its closing line
 * `iops average N (M MB/s)` (M in MiB/s, rounded down). MB/s here is N x the transfer size / 10^6, so that
 * every figure of the area is in the same unit.
 */
export async function iscsiPerfRead(exec: Exec, url: string, pattern: IoPattern, seconds: number): Promise<IoRun> {
  const argv = ['iscsi-perf', ...(pattern.random ? ['-r'] : []), '-m', String(pattern.depth), '-b', String(pattern.blocks), '-t', String(seconds), url];
  // iscsi-perf checks its run time only once a second, as commands complete; a stalled target would hold it.
  const outcome = await runCommand(exec(argv), { timeoutMs: (seconds + 30) * 1000 });
  const averages = [...outcome.stdout.matchAll(/iops average (\d+) \((\d+) MB\/s\)(,?)/g)].filter((m) => m[3] === '');
  const last = averages.at(-1);
  if (outcome.code !== 0 || last === undefined || !/finished\./.test(outcome.stdout)) {
    throw new BenchError('OUTPUT_UNPARSED', `iscsi-perf exited ${String(outcome.code ?? outcome.signal)} without its average: ${why(outcome.stdout, outcome.stderr)}`);
  }
  const iops = Number(last[1]);
  return { iops, mbPerSecond: (iops * pattern.blocks * 512) / 1e6, commands: iops * seconds };
}

/** Builds iscsi-io (iscsi-io.c) into `dir`; returns its path. */
export async function buildIscsiIo(dir: string): Promise<string> {
  const out = join(dir, 'iscsi-io');
  await mustRun(['cc', '-O2', '-Wall', '-o', out, join(REPO_ROOT, 'scripts', 'bench', 'iscsi-io.c'), '-liscsi'], { timeoutMs: 120_000 });
  return out;
}

export interface WriteRun extends IoRun {
  readonly bytes: number;
  /** The SYNCHRONIZE CACHE after the timed part, not in the figure. */
  readonly syncSeconds: number;
}

function parseIscsiIo(stdout: string): { ios: number; bytes: number; seconds: number; syncSeconds: number } | null {
  const m = /result ios=(\d+) bytes=(\d+) seconds=([\d.]+) sync_seconds=([\d.]+)/.exec(stdout);
  if (m === null) return null;
  return { ios: Number(m[1]), bytes: Number(m[2]), seconds: Number(m[3]), syncSeconds: Number(m[4]) };
}

/** `iscsi-io -w -s [-r] -m DEPTH -b BLOCKS -t SECONDS URL`: WRITE (16) for SECONDS, then SYNCHRONIZE CACHE. */
export async function iscsiIoWrite(exec: Exec, tool: string, url: string, pattern: IoPattern, seconds: number): Promise<WriteRun> {
  const argv = [tool, '-w', '-s', ...(pattern.random ? ['-r'] : []), '-m', String(pattern.depth), '-b', String(pattern.blocks), '-t', String(seconds), url];
  const outcome = await runCommand(exec(argv), { timeoutMs: (seconds + 120) * 1000 });
  const r = parseIscsiIo(outcome.stdout);
  if (outcome.code !== 0 || r === null || r.seconds <= 0) {
    throw new BenchError('OUTPUT_UNPARSED', `iscsi-io exited ${String(outcome.code ?? outcome.signal)} without a result: ${why(outcome.stdout, outcome.stderr)}`);
  }
  return { iops: r.ios / r.seconds, mbPerSecond: r.bytes / 1e6 / r.seconds, commands: r.ios, bytes: r.bytes, syncSeconds: r.syncSeconds };
}

export interface ConformanceRun {
  readonly total: number;
  readonly ran: number;
  readonly passed: number;
  readonly failed: number;
  readonly inactive: number;
  /** Names of the failed tests, in the order run (a test run in two suites shows twice). */
  readonly failedTests: readonly string[];
  /** Commands the suite skipped tests for as "not implemented" / "Not Supported" (such tests count as passed). */
  readonly skippedAsMissing: readonly string[];
  readonly seconds: number;
}

/** `iscsi-test-cu --dataloss [--test=FAMILIES] URL` and its CUnit summary (`tests TOTAL RAN PASSED FAILED INACTIVE`). */
export async function conformance(exec: Exec, url: string, families: string | null): Promise<ConformanceRun> {
  const argv = ['iscsi-test-cu', '--dataloss', ...(families === null ? [] : [`--test=${families}`]), url];
  const outcome = await runCommand(exec(argv), { timeoutMs: 1_800_000 });
  const summary = /tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(outcome.stdout);
  if (summary === null) {
    throw new BenchError('OUTPUT_UNPARSED', `iscsi-test-cu exited ${String(outcome.code ?? outcome.signal)} without a run summary: ${why(outcome.stdout, outcome.stderr)}`);
  }
  const [total, ran, passed, failed, inactive] = summary.slice(1).map(Number) as [number, number, number, number, number];
  const failedTests = failedTestNames(outcome.stdout);
  const missing = new Set<string>();
  for (const m of outcome.stdout.matchAll(/\[SKIPPED\] (.+?) (?:is not implemented|Not Supported)/g)) missing.add(m[1]!.trim());
  return { total, ran, passed, failed, inactive, failedTests, skippedAsMissing: [...missing].sort(), seconds: outcome.ms / 1000 };
}

/**
 * CUnit's basic output: "Suite: NAME", then per test "  Test: NAME ..." and the test's messages, then its
 * result, "passed" or "FAILED", right after the dots or at the start of a line. "[FAILED] ..." lines inside are
 * messages (a test may print the failure it expected), so only the result word counts. Names: SUITE.TEST.
 */
export function failedTestNames(output: string): string[] {
  const names: string[] = [];
  let suite = '';
  for (const chunk of output.split(/^(?=Suite: | {2}Test: )/m)) {
    const suiteLine = /^Suite: (\S+)/.exec(chunk);
    if (suiteLine !== null) {
      suite = suiteLine[1]!;
      continue;
    }
    const m = /^ {2}Test: (\S+) \.\.\.([\s\S]*)$/.exec(chunk);
    if (m === null) continue;
    const result = /(?:^|\n)(passed|FAILED)(?!\w)/.exec(m[2]!);
    if (result?.[1] === 'FAILED') names.push(suite === '' ? m[1]! : `${suite}.${m[1]!}`);
  }
  return names;
}
