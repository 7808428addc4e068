// NFSv3 (RFC 1813) against nfs-ganesha (FSAL VFS): nfs-cp read and write of a 64 MiB file, nfs-ls -R of a
// 20,000-file tree, and resident memory while 10 clients read at once; each server on loopback in its own
// network namespace.
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { interleave, sectionHead } from './area.js';
import type { Area, AreaContext, Sample } from './area.js';
import { BenchError } from './bench-error.js';
import type { Cleanup } from './cleanup.js';
import { prepareBrambleNfs } from './nfs-bramble.js';
import { nfsCopy, nfsListRecursive, nfsUrl } from './nfs-client.js';
import type { Exec, NfsExport } from './nfs-client.js';
import { MOUNT_PORT, NFS_PORT, prepareGanesha } from './nfs-ganesha.js';
import { memoryUnderLoad, NO_MEMORY_RUN, type MemoryRun } from './memory-under-load.js';
import { withCpu } from './process-cpu.js';
import { formatNumber, formatRatio, formatRuns, markdownTable } from './report.js';
import type { ServerProcess } from './server-process.js';
import { mbPerSecond, median, ratio } from './stats.js';
import { MiB, sha256File, writeRandomFile } from './test-file.js';
import { requireTools, toolVersion } from './tools.js';

const FILE = 'bench-64m.bin';
const FILE_BYTES = 64 * MiB;
const TREE_DIRS = 200;
const FILES_PER_DIR = 100;
/** nfs-ls -R prints one line per directory and per file. */
const TREE_ENTRIES = TREE_DIRS + TREE_DIRS * FILES_PER_DIR;
const CLIENTS = 10;
/**
 * After the reps, each server lists the tree this many more times (the servers taking turns), and the last
 * WARM_KEPT count: the listing of a server that has been up a while. The table's row stays a fresh server's.
 */
const WARM_LISTINGS = 6;
const WARM_KEPT = 3;
const SETTLE_MS = 3_000;
const SAMPLE_MS = 50;
/** Golden root names on Bramble's side; folder names on ganesha's. */
const FILE_ROOT = 'bench';
const TREE_ROOT = 'tree';

type Contender = 'bramble' | 'ganesha';
const CONTENDERS = ['bramble', 'ganesha'] as const;
type Operation = 'read' | 'write' | 'read-written' | 'list';
const OPERATIONS: readonly Operation[] = ['read', 'write', 'read-written', 'list'];

/** One server as the measurements see it: how to reach it and how to (re)start it. */
export interface NfsSide {
  /** Runs a client in the server's namespace. */
  readonly exec: Exec;
  /** Holds FILE; written files go here too. */
  readonly fileExport: NfsExport;
  /** The 20,000-file tree at its root. */
  readonly treeExport: NfsExport;
  /** One instance at a time (fixed ports); resolves once it serves fileExport. */
  start(): Promise<ServerProcess>;
}



export const nfsArea: Area = {
  name: 'nfs',
  async run(ctx: AreaContext) {
    requireTools(['nfs-cp', 'nfs-ls', 'ganesha.nfsd', 'rpcbind', 'unshare', 'nsenter', 'ip', 'ss']);
    const versions = [
      `libnfs-utils ${await toolVersion(['dpkg-query', '-W', '-f=${Version}', 'libnfs-utils'], /(\S+)/)}`,
      `nfs-ganesha ${await toolVersion(['ganesha.nfsd', '-v'], /Release = V?(\S+)/)} (FSAL VFS)`,
    ];

    // Bramble's golden roots: <data>/nfs/roots/<name>/, one folder per root (the default --nfs-roots).
    const dataDir = join(ctx.workDir, 'bramble');
    const rootsDir = join(dataDir, 'nfs', 'roots');
    const goldenFile = join(rootsDir, FILE_ROOT, FILE);
    const treeDir = join(rootsDir, TREE_ROOT);
    ctx.progress(`writing the ${FILE_BYTES / MiB} MiB test file and a ${TREE_DIRS} x ${FILES_PER_DIR} file tree`);
    await writeRandomFile(goldenFile, FILE_BYTES);
    const digest = await sha256File(goldenFile);
    await writeTree(treeDir);
    // Ganesha's file export is a folder of its own (ganesha's writes must not land in Bramble's golden root),
    // holding a hard link to the same file: one inode, so the page cache is shared and equally warm. The tree
    // is exported read-only from the very folder Bramble serves.
    const ganeshaFiles = join(ctx.workDir, 'ganesha-files');
    await mkdir(ganeshaFiles);
    await link(goldenFile, join(ganeshaFiles, FILE));

    // Downloads go to tmpfs so that the local disk does not take part in the client's time.
    const outDir = await mkdtemp('/dev/shm/bramble-bench-nfs-');
    ctx.cleanup.defer(`delete ${outDir}`, () => rm(outDir, { recursive: true, force: true }));

    const ganeshaHost = await prepareGanesha(
      ctx.workDir,
      [
        { path: ganeshaFiles, pseudo: '/files', accessType: 'RW' },
        { path: treeDir, pseudo: '/tree', accessType: 'RO' },
      ],
      ctx.cleanup,
    );
    const sides: Partial<Record<Contender, NfsSide>> = {
      ganesha: { exec: ganeshaHost.netns.exec, fileExport: ganeshaHost.exports[0]!, treeExport: ganeshaHost.exports[1]!, start: () => ganeshaHost.start() },
    };
    if (ctx.withBramble) {
      sides.bramble = await prepareBrambleNfs({ workDir: ctx.workDir, dataDir, rootsDir, fileRoot: FILE_ROOT, treeRoot: TREE_ROOT, cleanup: ctx.cleanup });
    }

    ctx.progress(`servers: ganesha (NFS ${NFS_PORT}, MOUNT ${MOUNT_PORT})${sides.bramble === undefined ? '' : ', Bramble'}, each in its own namespace`);
    const throughput = await measureThroughput(ctx, sides, outDir, goldenFile, digest);
    ctx.progress(`memory: a fresh server per run, ${CLIENTS} nfs-cp reads at once`);
    const memory = await measureMemory(ctx, sides, outDir);

    return { name: 'nfs', markdown: renderSection(ctx, versions, throughput, memory) };
  },
};

// Folders are made one level at a time, never with { recursive: true }: after a Ctrl-C, run.ts deletes the work
// folder while this code may still be running, and must not have it made anew behind its back.
async function writeTree(root: string): Promise<void> {
  await mkdir(root);
  for (let d = 0; d < TREE_DIRS; d += 1) {
    const dir = join(root, `dir-${String(d).padStart(3, '0')}`);
    await mkdir(dir);
    // Empty files: the listing measures names and attributes (READDIRPLUS), not content.
    await Promise.all(Array.from({ length: FILES_PER_DIR }, (_, f) => writeFile(join(dir, `file-${String(f).padStart(3, '0')}`), '')));
  }
}

interface ThroughputResults {
  readonly reps: Map<Operation, Record<Contender, Sample[]>>;
  /** Seconds of the last WARM_KEPT of WARM_LISTINGS listings after the reps (servers taking turns), per server. */
  readonly warmList: Record<Contender, number[]>;
}

async function measureThroughput(
  ctx: AreaContext,
  sides: Partial<Record<Contender, NfsSide>>,
  outDir: string,
  goldenFile: string,
  digest: string,
): Promise<ThroughputResults> {
  const servers: Partial<Record<Contender, ServerProcess>> = {};
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const who of CONTENDERS) {
      const side = sides[who];
      if (side === undefined) continue;
      const server = await side.start();
      servers[who] = server;
      stops.push(ctx.cleanup.defer(`stop ${who}`, () => server.stop()));
    }
    let downloads = 0;
    const freshLocal = (who: Contender): string => join(outDir, `${who}-${(downloads += 1)}.bin`);
    const written: Partial<Record<Contender, string>> = {};

    ctx.progress('warm-up: one read and one write on each server, both checked byte for byte');
    for (const who of CONTENDERS) {
      const side = sides[who];
      if (side === undefined) continue;
      const local = freshLocal(who);
      await nfsCopy(side.exec, nfsUrl(side.fileExport, FILE), local, FILE_BYTES);
      if ((await sha256File(local)) !== digest) throw new BenchError('TRANSFER_FAILED', `${who} delivered ${FILE_BYTES} bytes but not the file's bytes`);
      await rm(local);
      await nfsCopy(side.exec, goldenFile, nfsUrl(side.fileExport, `warm-up-${who}.bin`), FILE_BYTES);
      const back = freshLocal(who);
      await nfsCopy(side.exec, nfsUrl(side.fileExport, `warm-up-${who}.bin`), back, FILE_BYTES);
      if ((await sha256File(back)) !== digest) throw new BenchError('TRANSFER_FAILED', `${who} stored a written file that reads back different`);
      await rm(back);
      const listing = await nfsListRecursive(side.exec, nfsUrl(side.treeExport));
      if (listing.entries !== TREE_ENTRIES) throw new BenchError('TRANSFER_FAILED', `${who}: nfs-ls -R listed ${listing.entries} entries, expected ${TREE_ENTRIES}`);
    }

    const measure = async (operation: Operation, who: Contender, rep: number): Promise<Sample> => {
      const side = sides[who];
      const server = servers[who];
      if (side === undefined || server === undefined) return { value: Number.NaN, cpuSeconds: Number.NaN };
      const timed = async (op: () => Promise<number>): Promise<{ ms: number; cpuSeconds: number }> => {
        const { result: ms, cpuSeconds } = await withCpu(server.pid, op);
        if (server.exited()) throw new BenchError('PROCESS_EXITED', `${who} exited:\n${server.tail()}`);
        return { ms, cpuSeconds };
      };
      const read = async (file: string): Promise<Sample> => {
        const local = freshLocal(who);
        try {
          const { ms, cpuSeconds } = await timed(() => nfsCopy(side.exec, nfsUrl(side.fileExport, file), local, FILE_BYTES));
          return { value: mbPerSecond(FILE_BYTES, ms), cpuSeconds };
        } finally {
          await rm(local, { force: true });
        }
      };
      switch (operation) {
        case 'read':
          return read(FILE);
        case 'write': {
          const name = `written-${who}-${rep}.bin`;
          written[who] = undefined;
          const { ms, cpuSeconds } = await timed(() => nfsCopy(side.exec, goldenFile, nfsUrl(side.fileExport, name), FILE_BYTES));
          written[who] = name;
          return { value: mbPerSecond(FILE_BYTES, ms), cpuSeconds };
        }
        case 'read-written': {
          const name = written[who];
          if (name === undefined) throw new BenchError('TRANSFER_FAILED', `${who}: no file written in rep ${rep} to read back`);
          return read(name);
        }
        case 'list': {
          let entries = 0;
          const { ms, cpuSeconds } = await timed(async () => {
            const listing = await nfsListRecursive(side.exec, nfsUrl(side.treeExport));
            entries = listing.entries;
            return listing.ms;
          });
          if (entries !== TREE_ENTRIES) throw new BenchError('TRANSFER_FAILED', `${who}: nfs-ls -R listed ${entries} entries, expected ${TREE_ENTRIES}`);
          return { value: ms / 1000, cpuSeconds };
        }
      }
    };
    const unit = (operation: Operation): string => (operation === 'list' ? 's' : 'MB/s');
    const reps = await interleave(
      ctx.reps, OPERATIONS, CONTENDERS,
      async (operation, who, rep) => {
        const sample = await measure(operation, who, rep);
        ctx.progress(`  rep ${rep} ${operation} ${who}: ${sample.value.toFixed(operation === 'list' ? 3 : 1)} ${unit(operation)}, server CPU ${sample.cpuSeconds.toFixed(2)} s`);
        return sample;
      },
      ctx.progress,
      true,
    );
    ctx.progress(`warm listing: ${WARM_LISTINGS} nfs-ls -R per server, alternating, the last ${WARM_KEPT} kept`);
    // The servers take turns, as in the reps: six in a row on one and then six on the other put whatever changed
    // over that half minute (the machine's load, the kernel still writing back the reps' files) on one side only.
    const warmRuns = await interleave(WARM_LISTINGS, ['list'] as const, CONTENDERS, (operation, who, i) => measure(operation, who, ctx.reps + i), ctx.progress, true);
    const warm = warmRuns.get('list')!;
    const kept = (who: Contender): number[] => warm[who].slice(-WARM_KEPT).map((sample) => sample.value);
    const warmList: Record<Contender, number[]> = { bramble: kept('bramble'), ganesha: kept('ganesha') };
    for (const who of CONTENDERS) ctx.progress(`  ${who}: ${warmList[who].map((v) => v.toFixed(3)).join(', ')} s`);
    return { reps, warmList };
  } finally {
    // The memory runs start fresh servers on the same ports.
    for (const stop of stops.reverse()) await stop();
  }
}

async function measureMemory(ctx: AreaContext, sides: Partial<Record<Contender, NfsSide>>, outDir: string): Promise<Record<Contender, MemoryRun[]>> {
  const runs: Record<Contender, MemoryRun[]> = { bramble: [], ganesha: [] };
  for (let rep = 1; rep <= ctx.reps; rep += 1) {
    for (const who of CONTENDERS) {
      const side = sides[who];
      if (side === undefined) {
        runs[who].push(NO_MEMORY_RUN);
        continue;
      }
      try {
        const run = await memoryRun(ctx.cleanup, who, side, join(outDir, `memory-${who}-${rep}`));
        runs[who].push(run);
        ctx.progress(`  rep ${rep} ${who}: idle ${run.idleMiB.toFixed(1)} MiB, peak ${run.peakMiB.toFixed(1)} MiB, ${CLIENTS} reads in ${run.seconds.toFixed(2)} s`);
      } catch (error) {
        ctx.progress(`  rep ${rep} ${who} failed: ${error instanceof Error ? error.message : String(error)}`);
        runs[who].push(NO_MEMORY_RUN);
      }
    }
  }
  return runs;
}

/** A fresh server (VmHWM is a lifetime peak), idle for SETTLE_MS, then CLIENTS nfs-cp reads of FILE at once. */
async function memoryRun(cleanup: Cleanup, who: Contender, side: NfsSide, dir: string): Promise<MemoryRun> {
  await mkdir(dir); // not recursive: see writeTree
  const server = await side.start();
  const stop = cleanup.defer(`stop ${who}`, () => server.stop());
  try {
    return await memoryUnderLoad({
      server,
      settleMs: SETTLE_MS,
      sampleMs: SAMPLE_MS,
      what: `reads from ${who}`,
      clients: Array.from({ length: CLIENTS }, (_, i) => () => nfsCopy(side.exec, nfsUrl(side.fileExport, FILE), join(dir, `client-${i}.bin`), FILE_BYTES, 600_000)),
    });
  } finally {
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The listing of servers that have been up a while, beside the table's fresh-server row. */
function warmLine(warm: Record<Contender, number[]>): string {
  const b = median(warm.bramble);
  const g = median(warm.ganesha);
  return (
    `Listing once warm (${WARM_LISTINGS} \`nfs-ls -R\` per server after the reps, the servers taking turns, median of the last ${WARM_KEPT}): ` +
    `Bramble ${formatRuns(b, warm.bramble, 2)} s, ganesha ${formatRuns(g, warm.ganesha, 2)} s, ${formatRatio(ratio(g, b))}. ` +
    "The table's row is a fresh server's, as the aim is judged: Bramble's first reps there include V8 compiling its code as it goes."
  );
}

function renderSection(ctx: AreaContext, versions: readonly string[], throughput: ThroughputResults, memory: Record<Contender, MemoryRun[]>): string {
  const ratios = new Map<Operation, number>();
  const labels: Record<Operation, string> = {
    read: `nfs-cp read of a ${FILE_BYTES / MiB} MiB golden file, MB/s`,
    write: `nfs-cp write of a ${FILE_BYTES / MiB} MiB file (Bramble: into the machine's layer), MB/s`,
    'read-written': 'nfs-cp read of the file just written (Bramble: from the layer), MB/s',
    list: `nfs-ls -R of ${TREE_DIRS} folders x ${FILES_PER_DIR} files (Bramble: through a layer), s`,
  };
  const rows = OPERATIONS.map((operation) => {
    const runs = throughput.reps.get(operation)!;
    const b = runs.bramble.map((r) => r.value);
    const g = runs.ganesha.map((r) => r.value);
    // Seconds: less is faster, so the ratio turns over to keep "above 1.00x = Bramble faster" on every row.
    const r = operation === 'list' ? ratio(median(g), median(b)) : ratio(median(b), median(g));
    ratios.set(operation, r);
    const digits = operation === 'list' ? 2 : 1;
    const cpu = (samples: readonly Sample[]): string => formatNumber(median(samples.map((x) => x.cpuSeconds)), 2);
    return [labels[operation], formatRuns(median(b), b, digits), formatRuns(median(g), g, digits), formatRatio(r), Number.isFinite(r) ? (r >= 1 ? 'yes' : '**no**') : 'n/a', `${cpu(runs.bramble)} / ${cpu(runs.ganesha)}`];
  });

  const memoryRow = (label: string, pick: (r: MemoryRun) => number, digits: number) => {
    const b = memory.bramble.map(pick);
    const g = memory.ganesha.map(pick);
    return [label, formatRuns(median(b), b, digits), formatRuns(median(g), g, digits), formatRatio(ratio(median(b), median(g)))];
  };
  const peak = (who: Contender): number => median(memory[who].map((r) => r.peakMiB));

  const finite = [...ratios.values()].filter(Number.isFinite);
  const short = (operation: Operation): string => `${operation === 'read-written' ? 'read back' : operation} ${formatRatio(ratios.get(operation)!)}`;
  const result =
    finite.length === 0
      ? `no Bramble figures (ganesha alone: read ${formatNumber(median(throughput.reps.get('read')!.ganesha.map((s) => s.value)), 1)} MB/s, write ${formatNumber(median(throughput.reps.get('write')!.ganesha.map((s) => s.value)), 1)} MB/s, listing ${formatNumber(median(throughput.reps.get('list')!.ganesha.map((s) => s.value)), 2)} s; peak ${formatNumber(peak('ganesha'), 1)} MiB with ${CLIENTS} clients).`
      : `Bramble / ganesha: ${OPERATIONS.map(short).join(', ')}; at least ganesha on ${finite.filter((r) => r >= 1).length} of ${OPERATIONS.length} (aim: all). Resident peak with ${CLIENTS} clients reading: Bramble ${formatNumber(peak('bramble'), 1)} MiB, ganesha ${formatNumber(peak('ganesha'), 1)} MiB.`;

  const memoryGiB = totalmem() / 1024 ** 3;
  return [
    sectionHead({ title: 'NFS', area: 'nfs', result, machine: ctx.machine, reps: ctx.reps, versions, alternated: true }),
    `- Machine memory: ${memoryGiB.toFixed(1)} GiB.`,
    `- Setup: each server in a network namespace of its own holding only loopback (MTU 65536), on the standard ports (NFS ${NFS_PORT}, MOUNT ${MOUNT_PORT}), NFSv3 over TCP; the libnfs-utils clients run in the same namespace and name both ports in the URL (\`nfs://127.0.0.1/EXPORT/FILE?version=3&nfsport=${NFS_PORT}&mountport=${MOUNT_PORT}\`), so no portmapper is asked. The ${FILE_BYTES / MiB} MiB file is random bytes, one inode for both servers (ganesha's folder holds a hard link), so the page cache is shared and equally warm; downloads go to tmpfs; writes are uploads of that file to a new name (nfs-cp creates with a guarded CREATE). MB/s = 10^6 bytes/s of file, wall time of the client process. The warm-up read and write on each server are checked byte for byte, every transfer's size is checked, every listing must print ${TREE_ENTRIES.toLocaleString('en-US')} entries. Server CPU = user+system time of the server process, median per operation.`,
    `- Bramble: \`bramble serve\` with NFS on, golden roots \`${FILE_ROOT}\` (the file) and \`${TREE_ROOT}\` (the tree) under \`<data>/nfs/roots\`, each exported as one machine's writable layer (\`bramble nfs add ROOT --allow 127.0.0.1 --name bench-client\`, served at \`/bramble/ROOT/bench-client\`), so reads of the golden file and the listing go through the layer's merge and writes land in the machine's layer folder (\`<data>/nfs/layers/ID\`); other services on, DHCP off, \`--log-level warn\`.`,
    '- Ganesha: `ganesha.nfsd -F` with a generated config (NFS_CORE_PARAM Protocols 3, no NLM, RQUOTA or UDP; NFSv4 graceless; two FSAL VFS exports: a folder holding the file, Access_Type RW, Squash None; the tree folder Bramble serves, RO); its tunables at their defaults. It will not start without registering with a portmapper, so an `rpcbind -f` runs beside it, with a private /run in a mount namespace of its own.',
    '',
    `### Throughput and listing (above 1.00x = Bramble faster)`,
    '',
    markdownTable(['operation', 'Bramble', 'ganesha', 'ratio', 'at least ganesha', 'server CPU s per operation, Bramble / ganesha'], rows),
    '',
    warmLine(throughput.warmList),
    '',
    `### Resident memory, ${CLIENTS} clients at once (Bramble / ganesha: below 1.00x = Bramble lighter or quicker)`,
    '',
    `A fresh server per run; idle = VmRSS ${SETTLE_MS / 1000} s after it served its first export; peak = the highest of VmRSS sampled every ${SAMPLE_MS} ms and VmHWM, while ${CLIENTS} \`nfs-cp\` clients read the ${FILE_BYTES / MiB} MiB golden file at the same time (one export, ${CLIENTS} mounts). The RssAnon rows are the part of VmRSS that is the process's own: VmRSS also counts the pages of its program and libraries mapped from disk, which processes share and the kernel can drop (Node's executable is about 45 MiB of Bramble's idle VmRSS).`,
    '',
    markdownTable(
      ['figure', 'Bramble', 'ganesha', 'ratio'],
      [
        memoryRow('idle VmRSS, MiB', (r) => r.idleMiB, 1),
        memoryRow(`peak resident during ${CLIENTS} reads, MiB`, (r) => r.peakMiB, 1),
        memoryRow('idle RssAnon, MiB', (r) => r.idleAnonMiB, 1),
        memoryRow(`peak RssAnon during ${CLIENTS} reads, MiB`, (r) => r.peakAnonMiB, 1),
        memoryRow(`time for all ${CLIENTS} reads, s`, (r) => r.seconds, 2),
      ],
    ),
  ].join('\n');
}
