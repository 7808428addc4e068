// iSCSI (RFC 7143, SBC-3) against tgt with a file backing store: sequential 128 KiB at queue depth 32 (MB/s) and
// random 4 KiB (IOPS), reads and writes, on a raw disk and on a copy-on-write disk, each server on loopback in its
// own network namespace; and iscsi-test-cu --dataloss on the core families and on the whole suite, both servers.
import { copyFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { interleave, sectionHead } from './area.js';
import type { Area, AreaContext, Sample } from './area.js';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';
import { prepareBrambleIscsi } from './iscsi-bramble.js';
import { buildIscsiIo, conformance, iscsiIoWrite, iscsiPerfRead, iscsiUrl } from './iscsi-client.js';
import type { ConformanceRun, IoPattern, IscsiTarget } from './iscsi-client.js';
import { prepareTgt } from './iscsi-tgt.js';
import type { Exec } from './nfs-client.js';
import { withCpu } from './process-cpu.js';
import { formatNumber, formatRatio, formatRuns, markdownTable } from './report.js';
import type { ServerProcess } from './server-process.js';
import { median, ratio } from './stats.js';
import { MiB, writeRandomFile } from './test-file.js';
import { requireTools, toolVersion } from './tools.js';

const DISK_BYTES = 1024 * MiB;
const CONFORMANCE_BYTES = 64 * MiB;
const BLOCK = 512;
const RUN_SECONDS = 3;
const SEQUENTIAL: IoPattern = { depth: 32, blocks: 256, random: false };
const RANDOM: IoPattern = { depth: 32, blocks: 8, random: true };
/** The families the issue names (tgt fails one of them). */
const CORE_FAMILIES =
  'SCSI.TestUnitReady.*,SCSI.Inquiry.*,SCSI.ReadCapacity10.*,SCSI.ReadCapacity16.*,SCSI.Read10.*,SCSI.Read16.*,SCSI.Write10.*,SCSI.Write16.*,SCSI.ModeSense6.*,SCSI.Mandatory.*,iSCSI.*';
const GOLDEN = 'bench-golden';
const CONFORMANCE_GOLDEN = 'bench-conformance';

export type DiskRole = 'raw' | 'cow' | 'conformance';
type Contender = 'bramble' | 'tgt';
const CONTENDERS = ['bramble', 'tgt'] as const;
type Disk = 'raw' | 'cow';
type Operation = 'seq-read' | 'rand-read' | 'seq-write' | 'rand-write';
const OPERATIONS: readonly Operation[] = ['seq-read', 'rand-read', 'seq-write', 'rand-write'];
interface Setting {
  readonly disk: Disk;
  readonly operation: Operation;
}
const SETTINGS: readonly Setting[] = (['raw', 'cow'] as const).flatMap((disk) => OPERATIONS.map((operation) => ({ disk, operation })));

/** One server as the measurements see it. */
export interface IscsiSide {
  readonly name: Contender;
  /** Runs an initiator in the server's namespace. */
  readonly exec: Exec;
  readonly server: ServerProcess;
  readonly targets: Record<DiskRole, IscsiTarget>;
  /** The cow disk back to the golden image's contents (Bramble: `bramble iscsi reset`; tgt: a fresh copy). */
  freshCow(): Promise<void>;
  stop(): Promise<void>;
}

/** A server's suite result when it was not started (--peers-only). */
const NOT_RUN = 'not run';

interface Suites {
  readonly core: Record<Contender, ConformanceRun | string>;
  readonly whole: Record<Contender, ConformanceRun | string>;
}

interface Observations {
  /** Server CPU microseconds per command completed, per run, by setting. */
  readonly cpuPerCommand: Map<Setting, Record<Contender, number[]>>;
  /** Bytes each cow-row sequential write run wrote, per server. */
  readonly cowSequentialBytes: Record<Contender, number[]>;
  /** Bramble's cow overlay after each random write run, bytes. */
  readonly cowOverlayAfterRandom: number[];
}

export const iscsiArea: Area = {
  name: 'iscsi',
  async run(ctx: AreaContext) {
    const started = Date.now();
    requireTools(['iscsi-perf', 'iscsi-test-cu', 'iscsi-readcapacity16', 'tgtd', 'tgtadm', 'cc', 'unshare', 'nsenter', 'ip', 'ss']);
    const versions = [
      `libiscsi-bin ${await toolVersion(['dpkg-query', '-W', '-f=${Version}', 'libiscsi-bin'], /(\S+)/)} (iscsi-perf, iscsi-test-cu)`,
      `iscsi-io against libiscsi-dev ${await toolVersion(['dpkg-query', '-W', '-f=${Version}', 'libiscsi-dev'], /(\S+)/)}`,
      `tgt ${await toolVersion(['tgtd', '--version'], /(\d+\.\d+\.\d+)/)} (Debian ${await toolVersion(['dpkg-query', '-W', '-f=${Version}', 'tgt'], /(\S+)/)})`,
    ];
    let tool: string;
    try {
      tool = await buildIscsiIo(ctx.workDir);
    } catch (error) {
      throw new BenchError('TOOL_MISSING', `cannot build scripts/bench/iscsi-io.c (needs cc and libiscsi-dev: run scripts/bench/install-peers.sh): ${(error as Error).message}`);
    }

    // Golden images in Bramble's default --iscsi-images (<data>/iscsi/images); tgt's files are copies of them.
    const dataDir = join(ctx.workDir, 'bramble');
    const imagesDir = join(dataDir, 'iscsi', 'images');
    const tgtDir = join(ctx.workDir, 'tgt');
    await mkdir(dataDir);
    await mkdir(join(dataDir, 'iscsi'));
    await mkdir(imagesDir);
    await mkdir(tgtDir);
    const golden = join(imagesDir, `${GOLDEN}.img`);
    const conformanceGolden = join(imagesDir, `${CONFORMANCE_GOLDEN}.img`);
    ctx.progress(`writing a ${DISK_BYTES / MiB} MiB golden image and a ${CONFORMANCE_BYTES / MiB} MiB one for conformance (random bytes), and tgt's copies`);
    await writeRandomFile(golden, DISK_BYTES);
    await writeRandomFile(conformanceGolden, CONFORMANCE_BYTES);
    const tgtFiles: Record<DiskRole, string> = { raw: join(tgtDir, 'raw.img'), cow: join(tgtDir, 'cow.img'), conformance: join(tgtDir, 'conformance.img') };
    await copySynced(golden, tgtFiles.raw);
    await copySynced(golden, tgtFiles.cow);
    await copySynced(conformanceGolden, tgtFiles.conformance);
    await datasync(golden);
    await datasync(conformanceGolden);

    const sides: Partial<Record<Contender, IscsiSide>> = {};
    sides.tgt = await prepareTgt({ files: tgtFiles, cowGolden: golden, cleanup: ctx.cleanup });
    let bramble: Awaited<ReturnType<typeof prepareBrambleIscsi>> | undefined;
    if (ctx.withBramble) {
      bramble = await prepareBrambleIscsi({ workDir: ctx.workDir, dataDir, images: { raw: GOLDEN, cow: GOLDEN, conformance: CONFORMANCE_GOLDEN }, cleanup: ctx.cleanup });
      sides.bramble = bramble;
    }
    ctx.progress(`servers: tgt${bramble === undefined ? '' : ', Bramble'}, each on 127.0.0.1:3260 in its own namespace`);

    const seen: Observations = { cpuPerCommand: new Map(SETTINGS.map((setting) => [setting, { bramble: [], tgt: [] }])), cowSequentialBytes: { bramble: [], tgt: [] }, cowOverlayAfterRandom: [] };
    try {
      for (const side of Object.values(sides)) {
        for (const role of ['raw', 'cow', 'conformance'] as const) {
          const blocks = await readCapacity(side.exec, iscsiUrl(side.targets[role]));
          const expected = (role === 'conformance' ? CONFORMANCE_BYTES : DISK_BYTES) / BLOCK;
          if (blocks !== expected) throw new BenchError('TRANSFER_FAILED', `${side.name} ${role} disk: READ CAPACITY (16) says ${blocks} blocks, expected ${expected}`);
        }
      }
      ctx.progress(`warm-up: ${RUN_SECONDS} s of sequential reads and writes on each server's raw disk`);
      for (const side of Object.values(sides)) {
        await iscsiPerfRead(side.exec, iscsiUrl(side.targets.raw), SEQUENTIAL, RUN_SECONDS);
        await iscsiIoWrite(side.exec, tool, iscsiUrl(side.targets.raw), SEQUENTIAL, RUN_SECONDS);
      }

      const speed = await measureSpeed(ctx, sides, tool, bramble, seen);

      ctx.progress('conformance: iscsi-test-cu --dataloss, core families then the whole suite, on a disk of its own per server');
      const suites: Suites = { core: { bramble: NOT_RUN, tgt: NOT_RUN }, whole: { bramble: NOT_RUN, tgt: NOT_RUN } };
      for (const [suite, families] of [['core', CORE_FAMILIES], ['whole', null]] as const) {
        for (const who of CONTENDERS) {
          const side = sides[who];
          if (side === undefined) continue;
          try {
            const run = await conformance(side.exec, iscsiUrl(side.targets.conformance), families);
            suites[suite][who] = run;
            ctx.progress(`  ${suite} ${who}: ${run.passed} of ${run.total} passed, ${run.failed} failed (${run.seconds.toFixed(0)} s)${run.failedTests.length > 0 ? `: ${run.failedTests.join(', ')}` : ''}`);
          } catch (error) {
            suites[suite][who] = error instanceof Error ? error.message : String(error);
            ctx.progress(`  ${suite} ${who} failed: ${suites[suite][who]}`);
          }
          if (side.server.exited()) throw new BenchError('PROCESS_EXITED', `${who} exited during iscsi-test-cu:\n${side.server.tail()}`);
        }
      }
      // What Bramble printed at warn level or above during the run (its first-start password line left out).
      const said = sides.bramble?.server.tail(200).split('\n').filter((line) => line.trim() !== '' && !line.includes('initialPassword')) ?? [];
      if (said.length > 0) ctx.progress(`Bramble's output during the run (${said.length} lines, last 20):\n${said.slice(-20).join('\n')}`);
      ctx.progress(`iscsi area took ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return { name: 'iscsi', markdown: renderSection(ctx, versions, speed, suites, seen) };
    } finally {
      for (const side of Object.values(sides)) await side.stop();
    }
  },
};

async function datasync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** syncfs(2) of the file system holding `dir` (`sync -f`): its journal committed, pending discards done. */
async function settle(dir: string): Promise<void> {
  const outcome = await runCommand(['sync', '-f', dir], { timeoutMs: 120_000 });
  if (outcome.code !== 0) throw new BenchError('COMMAND_FAILED', `sync -f ${dir} exited ${String(outcome.code)}: ${outcome.stderr.trim()}`);
}

/** A plain copy (no reflink on ext4), on disk before it is served. */
async function copySynced(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  await datasync(to);
}

async function readCapacity(exec: Exec, url: string): Promise<number> {
  const outcome = await runCommand(exec(['iscsi-readcapacity16', url]), { timeoutMs: 30_000 });
  const m = /RETURNED LOGICAL BLOCK ADDRESS:(\d+)/.exec(outcome.stdout);
  if (outcome.code !== 0 || m === null) throw new BenchError('OUTPUT_UNPARSED', `iscsi-readcapacity16 exited ${String(outcome.code)}: ${outcome.stderr.trim() || outcome.stdout.trim()}`);
  return Number(m[1]) + 1;
}

const isWrite = (operation: Operation): boolean => operation.endsWith('write');
const isSequential = (operation: Operation): boolean => operation.startsWith('seq');

async function measureSpeed(
  ctx: AreaContext,
  sides: Partial<Record<Contender, IscsiSide>>,
  tool: string,
  bramble: { usedBytes(role: DiskRole): Promise<number> } | undefined,
  seen: Observations,
): Promise<Map<Setting, Record<Contender, Sample[]>>> {
  const measure = async (setting: Setting, who: Contender, rep: number): Promise<Sample> => {
    const { disk, operation } = setting;
    const side = sides[who];
    if (side === undefined) return { value: Number.NaN, cpuSeconds: Number.NaN };
    // A copy-on-write disk is measured fresh: before the reads of each rep, and before each write run. What
    // making it fresh left to the file system (the old overlay or copy unlinked, its blocks freed and discarded
    // by the journal) is finished before the run, on both sides, so that it does not land in the timed seconds.
    if (disk === 'cow' && (operation === 'seq-read' || isWrite(operation))) {
      await side.freshCow();
      await settle(ctx.workDir);
    }
    const url = iscsiUrl(side.targets[disk]);
    const pattern = isSequential(operation) ? SEQUENTIAL : RANDOM;
    let note = '';
    const { result, cpuSeconds } = await withCpu(side.server.pid, async () => {
      if (!isWrite(operation)) return iscsiPerfRead(side.exec, url, pattern, RUN_SECONDS);
      const run = await iscsiIoWrite(side.exec, tool, url, pattern, RUN_SECONDS);
      note = `, ${(run.bytes / MiB).toFixed(0)} MiB written, SYNCHRONIZE CACHE ${run.syncSeconds.toFixed(2)} s`;
      if (disk === 'cow' && operation === 'seq-write') seen.cowSequentialBytes[who].push(run.bytes);
      return run;
    });
    if (side.server.exited()) throw new BenchError('PROCESS_EXITED', `${who} exited:\n${side.server.tail()}`);
    if (who === 'bramble' && disk === 'cow' && operation === 'rand-write' && bramble !== undefined) {
      const used = await bramble.usedBytes('cow');
      seen.cowOverlayAfterRandom.push(used);
      note += `, overlay ${(used / MiB).toFixed(0)} MiB`;
    }
    const value = isSequential(operation) ? result.mbPerSecond : result.iops;
    const perCommand = (cpuSeconds / result.commands) * 1e6;
    seen.cpuPerCommand.get(setting)![who].push(perCommand);
    ctx.progress(`  rep ${rep} ${disk} ${operation} ${who}: ${isSequential(operation) ? `${value.toFixed(1)} MB/s` : `${value.toFixed(0)} IOPS`}, server CPU ${cpuSeconds.toFixed(2)} s (${perCommand.toFixed(0)} µs per command)${note}`);
    return { value, cpuSeconds };
  };
  return interleave(ctx.reps, SETTINGS, CONTENDERS, measure, ctx.progress, true);
}

const OPERATION_LABELS: Record<Operation, string> = {
  'seq-read': 'sequential read, 128 KiB, QD 32, MB/s',
  'rand-read': 'random read, 4 KiB, QD 32, IOPS',
  'seq-write': 'sequential write, 128 KiB, QD 32, MB/s',
  'rand-write': 'random write, 4 KiB, QD 32, IOPS',
};
const SHORT: Record<Operation, string> = { 'seq-read': 'sequential read', 'rand-read': 'random read', 'seq-write': 'sequential write', 'rand-write': 'random write' };
const DISK_LABELS: Record<Disk, string> = { raw: 'raw', cow: 'copy-on-write' };

function conformanceCell(run: ConformanceRun | string): string {
  if (typeof run === 'string') return run === NOT_RUN ? NOT_RUN : `failed to run (${run.split('\n')[0]})`;
  return `${run.passed} of ${run.total} passed, ${run.failed} failed${run.ran !== run.total ? `, ${run.ran} ran` : ''}${run.inactive > 0 ? `, ${run.inactive} inactive` : ''}`;
}

function shortCount(run: ConformanceRun | string): string {
  return typeof run === 'string' ? (run === NOT_RUN ? NOT_RUN : 'failed to run') : `${run.passed}/${run.total}`;
}

/** "A (x3), B": the failed tests, a test run in several suites counted. */
function failedList(run: ConformanceRun | string): string {
  if (typeof run === 'string') return 'n/a';
  if (run.failedTests.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const name of run.failedTests) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `\`${name}\`${n > 1 ? ` (x${n})` : ''}`).join(', ');
}

function renderSection(ctx: AreaContext, versions: readonly string[], speed: Map<Setting, Record<Contender, Sample[]>>, suites: Suites, seen: Observations): string {
  const ratios = new Map<Setting, number>();
  const rows = SETTINGS.map((setting) => {
    const runs = speed.get(setting)!;
    const b = runs.bramble.map((s) => s.value);
    const t = runs.tgt.map((s) => s.value);
    const r = ratio(median(b), median(t));
    ratios.set(setting, r);
    const digits = isSequential(setting.operation) ? 1 : 0;
    const cpu = (samples: readonly Sample[]): string => formatNumber(median(samples.map((x) => x.cpuSeconds)), 2);
    const perCommand = seen.cpuPerCommand.get(setting)!;
    return [
      DISK_LABELS[setting.disk],
      OPERATION_LABELS[setting.operation],
      formatRuns(median(b), b, digits),
      formatRuns(median(t), t, digits),
      formatRatio(r),
      Number.isFinite(r) ? (r >= 1 ? 'yes' : '**no**') : 'n/a',
      `${cpu(runs.bramble)} / ${cpu(runs.tgt)}`,
      `${formatNumber(median(perCommand.bramble), 0)} / ${formatNumber(median(perCommand.tgt), 0)}`,
    ];
  });
  const finite = [...ratios.values()].filter(Number.isFinite);
  const perDisk = (disk: Disk): string =>
    `${DISK_LABELS[disk]} disk: ${SETTINGS.filter((s) => s.disk === disk).map((s) => `${SHORT[s.operation]} ${formatRatio(ratios.get(s)!)}`).join(', ')}`;
  const conformanceLine =
    `\`iscsi-test-cu --dataloss\` tests passed: core families Bramble ${shortCount(suites.core.bramble)}, tgt ${shortCount(suites.core.tgt)}; ` +
    `whole suite Bramble ${shortCount(suites.whole.bramble)}, tgt ${shortCount(suites.whole.tgt)}.`;
  const result =
    finite.length === 0
      ? `no Bramble figures (tgt alone: ${SETTINGS.map((s) => `${DISK_LABELS[s.disk]} ${SHORT[s.operation]} ${formatNumber(median(speed.get(s)!.tgt.map((x) => x.value)), isSequential(s.operation) ? 1 : 0)}`).join(', ')}). ${conformanceLine}`
      : `Bramble / tgt: ${perDisk('raw')}; ${perDisk('cow')}; at least tgt on ${finite.filter((r) => r >= 1).length} of ${SETTINGS.length} (aim: all). ${conformanceLine}`;

  const maxCowSequential = (who: Contender): string => {
    const most = Math.max(...seen.cowSequentialBytes[who]);
    return Number.isFinite(most) ? `${((most / DISK_BYTES) * 100).toFixed(0)}%` : 'n/a';
  };
  const overlay = median(seen.cowOverlayAfterRandom);
  const skipped = (run: ConformanceRun | string): string =>
    typeof run === 'string' || run.skippedAsMissing.length === 0 ? 'none' : run.skippedAsMissing.map((c) => `\`${c}\``).join(', ');

  return [
    sectionHead({ title: 'iSCSI', area: 'iscsi', result, machine: ctx.machine, reps: ctx.reps, versions, alternated: true }),
    `- Setup: each server in a network namespace of its own holding only loopback (MTU 65536), on 127.0.0.1:3260; the initiators are libiscsi's (user space) and run in the same namespace; CHAP on both servers (\`iscsi://USER%SECRET@127.0.0.1:3260/IQN/LUN\`). Disks of ${DISK_BYTES / MiB} MiB; the golden image is random bytes written once, tgt's files are copies of it, all fdatasync'ed before use (the page cache holds them all: equally warm). Each run lasts ${RUN_SECONDS} s on one session: sequential = 128 KiB commands (256 blocks) from LBA 0 up, wrapping at the end; random = 4 KiB commands (8 blocks) at LBAs drawn as iscsi-perf draws them (\`rand() % blocks\`, not 4 KiB-aligned); 32 commands in flight for both. MB/s = 10^6 bytes/s.`,
    `- Reads: \`iscsi-perf [-r] -m 32 -b 256|8 -t ${RUN_SECONDS} URL\` (libiscsi-bin); its closing \`iops average\` is the figure, MB/s = that x 131,072 bytes / 10^6. Writes: iscsi-perf only reads, so \`scripts/bench/iscsi-io.c\` (built by the bench against libiscsi) runs its loop with WRITE (16) (no FUA; one buffer of random bytes): \`iscsi-io -w -s [-r] -m 32 -b 256|8 -t ${RUN_SECONDS} URL\`; figure = commands completed / time from the first sent to the last completed; then a SYNCHRONIZE CACHE (10) of the whole disk, outside the figure, so that neither server leaves dirty pages to the next run. Server CPU = user+system time of the server process (tgtd with its threads) per run, login, logout and that SYNCHRONIZE CACHE included, median; per command = that / the commands the run completed (reads: iscsi-perf's average x ${RUN_SECONDS} s, as it prints no count), median. Runs are of fixed length, so CPU per run mostly shows how busy a server was kept; per command is its cost.`,
    `- Raw disk: each server's own file holding a copy of the golden image (Bramble: \`bramble iscsi add --raw IMAGE\`, which copies it; tgt: a copy made by the bench), read and written in place.`,
    `- Copy-on-write disk: Bramble: a fresh overlay over the golden image (\`bramble iscsi reset\` before the reads of each rep and before each write run), so reads come from the golden image and a first write into a 64 KiB chunk takes a slot for it and stores only the blocks it carries (nothing is copied from the golden image). tgt has no copy-on-write: a fresh copy of the golden image at the same points (LUN deleted, new file copied and fdatasync'ed, LUN made again), untimed. After either, and before the run, \`sync -f\` of the work folder's file system, untimed, so that freeing the old overlay's or copy's blocks is not timed. The sequential write runs here wrote at most ${maxCowSequential('bramble')} (Bramble) and ${maxCowSequential('tgt')} (tgt) of the disk, so every one of their writes was a first write; random writes land anywhere, so later ones in a run increasingly hit chunks that already have a slot (Bramble's overlay after a random write run: median ${formatNumber(overlay / MiB, 0)} MiB, ${formatNumber((overlay / DISK_BYTES) * 100, 0)}% of the disk).`,
    `- Bramble: \`bramble serve --iscsi on --iscsi-port 3260\` (images in \`<data>/iscsi/images\`), disks made with \`bramble iscsi add [--raw] IMAGE --name LABEL --allow 127.0.0.1\` (targets \`iqn.2026-11.org.bramble:LABEL\`, LUN 0, CHAP user LABEL and the secret from \`bramble.json\`); other services on (idle), DHCP off, \`--log-level warn\`.`,
    '- tgt: `tgtd -f`, configured with `tgtadm --lld iscsi`: one target per disk (`--op new --mode target`), the file on LUN 1 with the default `rdwr` backing store (`--op new --mode logicalunit -b FILE`, 16 I/O threads per LUN as it logs; LUN 0 is its controller), a CHAP account bound to each target, `-I ALL`; its settings at their defaults. It runs with a private /run (mount namespace of its own) for its control socket.',
    '',
    '### Speed (above 1.00x = Bramble faster)',
    '',
    markdownTable(['disk', 'operation', 'Bramble', 'tgt', 'ratio', 'at least tgt', 'server CPU s per run, Bramble / tgt', 'server CPU µs per command, Bramble / tgt'], rows),
    '',
    '### Conformance: `iscsi-test-cu --dataloss`',
    '',
    `Run once per server, after the speed runs, on a ${CONFORMANCE_BYTES / MiB} MiB disk of its own (Bramble: a copy-on-write disk over a ${CONFORMANCE_BYTES / MiB} MiB golden image; tgt: a copy of that image), with CHAP. Core families: \`--test=${CORE_FAMILIES}\`; whole suite: no \`--test\` (some tests run in more than one suite, so names repeat). Counts are iscsi-test-cu's own summary line (CUnit: a test that skips counts as passed).`,
    '',
    markdownTable(
      ['tests', 'Bramble', 'tgt', 'failed on Bramble', 'failed on tgt'],
      [
        ['core families', conformanceCell(suites.core.bramble), conformanceCell(suites.core.tgt), failedList(suites.core.bramble), failedList(suites.core.tgt)],
        ['whole suite', conformanceCell(suites.whole.bramble), conformanceCell(suites.whole.tgt), failedList(suites.whole.bramble), failedList(suites.whole.tgt)],
      ],
    ),
    '',
    `Commands the whole suite skipped tests for as not implemented (or "Not Supported"), counted as passed: Bramble ${skipped(suites.whole.bramble)}; tgt ${skipped(suites.whole.tgt)}.`,
  ].join('\n');
}
