// Bramble's resident memory (proc(5) VmRSS/VmHWM) idle and while 50 atftp clients download a 32 MiB file at
// once; atftpd goes through the same steps beside it, for scale.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sectionHead } from './area.js';
import type { Area, AreaContext } from './area.js';
import { atftpGet } from './atftp-client.js';
import { startBramble } from './bramble.js';
import { freePort } from './free-port.js';
import { memoryUnderLoad, NO_MEMORY_RUN, type MemoryRun } from './memory-under-load.js';
import { formatNumber, formatRatio, formatRuns, markdownTable } from './report.js';
import type { ServerProcess } from './server-process.js';
import { median, ratio } from './stats.js';
import { MiB, writeRandomFile } from './test-file.js';
import { startAtftpd } from './tftp-peers.js';
import { requireTools, toolVersion } from './tools.js';

const FILE = 'bench-32m.bin';
const FILE_BYTES = 32 * MiB;
const CLIENTS = 50;
// EDK2's defaults: what a room full of UEFI machines booting at once would ask for.
const BLKSIZE = 1468;
const WINDOWSIZE = 4;
const SETTLE_MS = 3_000;
const SAMPLE_MS = 50;

type Contender = 'bramble' | 'atftpd';


export const memoryArea: Area = {
  name: 'memory',
  async run(ctx: AreaContext) {
    requireTools(['atftp', 'atftpd', 'ss']);
    const versions = [`atftp client ${await toolVersion(['atftp', '--version'], /atftp-(\S+)/)}`, `atftpd ${await toolVersion(['atftpd', '--version'], /atftp-(\S+)/)}`];
    const dataDir = join(ctx.workDir, 'bramble');
    const root = join(dataDir, 'tftp');
    const ipxeDir = join(ctx.workDir, 'ipxe');
    await mkdir(ipxeDir, { recursive: true });
    await writeRandomFile(join(root, FILE), FILE_BYTES);

    const start = async (who: Contender, port: number): Promise<ServerProcess> =>
      who === 'atftpd'
        ? startAtftpd(root, port)
        : startBramble({ netns: null, interfaceName: 'lo', address: '127.0.0.1', dataDir, ipxeDir, httpPort: await freePort(), tftpPort: port, dhcpRange: null });

    // A fresh server each run: VmHWM is a lifetime peak, and idle means never having served anything.
    const measure = async (who: Contender): Promise<MemoryRun> => {
      const port = await freePort();
      const server = await start(who, port);
      const stopServer = ctx.cleanup.defer(`stop ${who}`, () => server.stop());
      try {
        return await memoryUnderLoad({
          server,
          settleMs: SETTLE_MS,
          sampleMs: SAMPLE_MS,
          what: `transfers from ${who}`,
          clients: Array.from({ length: CLIENTS }, () => () =>
            atftpGet({ server: '127.0.0.1', port, remoteFile: FILE, localFile: '/dev/null', expectedBytes: FILE_BYTES, blksize: BLKSIZE, windowsize: WINDOWSIZE, timeoutMs: 600_000 }),
          ),
        });
      } finally {
        await stopServer();
      }
    };

    const runs: Record<Contender, MemoryRun[]> = { bramble: [], atftpd: [] };
    for (let rep = 1; rep <= ctx.reps; rep += 1) {
      for (const who of ['bramble', 'atftpd'] as const) {
        if (who === 'bramble' && !ctx.withBramble) {
          runs.bramble.push(NO_MEMORY_RUN);
          continue;
        }
        try {
          const run = await measure(who);
          runs[who].push(run);
          ctx.progress(`  rep ${rep} ${who}: idle ${run.idleMiB.toFixed(1)} MiB, peak ${run.peakMiB.toFixed(1)} MiB, ${CLIENTS} transfers in ${run.seconds.toFixed(1)} s`);
        } catch (error) {
          ctx.progress(`  rep ${rep} ${who} failed: ${error instanceof Error ? error.message : String(error)}`);
          runs[who].push(NO_MEMORY_RUN);
        }
      }
    }

    const row = (label: string, pick: (r: MemoryRun) => number, digits: number) => {
      const b = runs.bramble.map(pick);
      const a = runs.atftpd.map(pick);
      return [label, formatRuns(median(b), b, digits), formatRuns(median(a), a, digits), formatRatio(ratio(median(b), median(a)))];
    };
    const idle = median(runs.bramble.map((r) => r.idleMiB));
    const peak = median(runs.bramble.map((r) => r.peakMiB));
    const result = `Bramble resident ${formatNumber(idle, 1)} MiB idle, peak ${formatNumber(peak, 1)} MiB while serving ${CLIENTS} TFTP transfers at once (atftpd: ${formatNumber(median(runs.atftpd.map((r) => r.idleMiB)), 1)} / ${formatNumber(median(runs.atftpd.map((r) => r.peakMiB)), 1)} MiB).`;
    const markdown = [
      sectionHead({ title: 'Memory', area: 'memory', result, machine: ctx.machine, reps: ctx.reps, versions }),
      `- Setup: a fresh server per run on loopback; idle = VmRSS ${SETTLE_MS / 1000} s after start; peak = the highest of VmRSS sampled every ${SAMPLE_MS} ms and VmHWM; the RssAnon rows are the part of VmRSS that is the process's own (VmRSS also counts the pages of its program and libraries mapped from disk, which processes share and the kernel can drop: Node's executable is about 45 MiB of Bramble's idle VmRSS), while ${CLIENTS} \`atftp\` clients (blksize ${BLKSIZE}, windowsize ${WINDOWSIZE}, EDK2's defaults) download a ${FILE_BYTES / MiB} MiB file at the same time. atftpd (one process, a thread per transfer) goes through the same steps for scale; lower is better for memory, so here a ratio below 1.00x favours Bramble.`,
      '',
      markdownTable(
        ['figure', 'Bramble', 'atftpd', 'ratio'],
        [
          row('idle VmRSS, MiB', (r) => r.idleMiB, 1),
          row(`peak resident during ${CLIENTS} transfers, MiB`, (r) => r.peakMiB, 1),
          row('idle RssAnon, MiB', (r) => r.idleAnonMiB, 1),
          row(`peak RssAnon during ${CLIENTS} transfers, MiB`, (r) => r.peakAnonMiB, 1),
          row(`time for all ${CLIENTS} transfers, s`, (r) => r.seconds, 1),
        ],
      ),
    ].join('\n');
    return { name: 'memory', markdown };
  },
};
