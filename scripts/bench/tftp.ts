// TFTP throughput (RFC 1350, 2348 blksize, 7440 windowsize): one atftp client downloads a 32 MiB file from
// Bramble and from the peer in turn, on loopback; blksize against tftpd-hpa, windowsize against atftpd.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { interleave, sectionHead } from './area.js';
import type { Area, AreaContext, Sample } from './area.js';
import { atftpGet } from './atftp-client.js';
import { startBramble } from './bramble.js';
import { BenchError } from './bench-error.js';
import { freePort } from './free-port.js';
import { formatNumber, formatRatio, formatRuns, markdownTable } from './report.js';
import { withCpu } from './process-cpu.js';
import type { ServerProcess } from './server-process.js';
import { mbPerSecond, median, ratio } from './stats.js';
import { MiB, sha256File, writeRandomFile } from './test-file.js';
import { startAtftpd, startTftpdHpa } from './tftp-peers.js';
import { requireTools, tftpdHpaPath, toolVersion } from './tools.js';

const FILE = 'bench-32m.bin';
const FILE_BYTES = 32 * MiB;
const BLKSIZES = [512, 1468, 8192] as const;
const WINDOWSIZES = [1, 4, 16] as const;
const WINDOW_BLKSIZE = 1468;

type Contender = 'bramble' | 'tftpd-hpa' | 'atftpd';

export const tftpArea: Area = {
  name: 'tftp',
  async run(ctx: AreaContext) {
    requireTools(['atftp', 'atftpd', 'ss', tftpdHpaPath()]);
    const versions = [
      `atftp client ${await toolVersion(['atftp', '--version'], /atftp-(\S+)/)}`,
      `tftpd-hpa ${await toolVersion([tftpdHpaPath(), '-V'], /tftp-hpa (\S+?),/)}`,
      `atftpd ${await toolVersion(['atftpd', '--version'], /atftp-(\S+)/)}`,
    ];
    const dataDir = join(ctx.workDir, 'bramble');
    const root = join(dataDir, 'tftp');
    const ipxeDir = join(ctx.workDir, 'ipxe');
    const outDir = join(ctx.workDir, 'out');
    await mkdir(ipxeDir, { recursive: true });
    await mkdir(outDir, { recursive: true });
    ctx.progress(`writing the ${FILE_BYTES / MiB} MiB test file`);
    await writeRandomFile(join(root, FILE), FILE_BYTES);
    const digest = await sha256File(join(root, FILE));

    const ports: Record<Contender, number> = { bramble: await freePort(), 'tftpd-hpa': await freePort(), atftpd: await freePort() };
    const servers: Partial<Record<Contender, ServerProcess>> = {};
    const keep = (name: Contender, server: ServerProcess): void => {
      servers[name] = server;
      ctx.cleanup.defer(`stop ${name}`, () => server.stop());
    };
    // All three serve the same file from the same folder, so the page cache is shared and equally warm.
    keep('tftpd-hpa', await startTftpdHpa(root, ports['tftpd-hpa']));
    keep('atftpd', await startAtftpd(root, ports.atftpd));
    if (ctx.withBramble) {
      keep(
        'bramble',
        await startBramble({
          netns: null, interfaceName: 'lo', address: '127.0.0.1', dataDir, ipxeDir,
          httpPort: await freePort(), tftpPort: ports.bramble, dhcpRange: null,
        }),
      );
    }

    const get = async (who: Contender, blksize: number, windowsize: number | null, verify = false): Promise<Sample> => {
      const server = servers[who];
      if (server === undefined) return { value: Number.NaN, cpuSeconds: Number.NaN };
      const localFile = join(outDir, `${who}.bin`);
      try {
        const { result: ms, cpuSeconds } = await withCpu(server.pid, () =>
          atftpGet({ server: '127.0.0.1', port: ports[who], remoteFile: FILE, localFile, expectedBytes: FILE_BYTES, blksize, windowsize }),
        );
        if (verify && (await sha256File(localFile)) !== digest) {
          throw new BenchError('TRANSFER_FAILED', `${who} delivered ${FILE_BYTES} bytes but not the file's bytes`);
        }
        if (server.exited()) throw new BenchError('PROCESS_EXITED', `${who} exited:\n${server.tail()}`);
        return { value: mbPerSecond(FILE_BYTES, ms), cpuSeconds };
      } finally {
        await rm(localFile, { force: true });
      }
    };

    ctx.progress('warm-up: one verified transfer from each server');
    for (const who of ['bramble', 'tftpd-hpa', 'atftpd'] as const) await get(who, 1468, who === 'tftpd-hpa' ? null : 4, true);

    ctx.progress(`blksize ${BLKSIZES.join('/')}: Bramble vs tftpd-hpa`);
    const byBlksize = await interleave(
      ctx.reps, BLKSIZES, ['bramble', 'tftpd-hpa'] as const,
      async (blksize, who, rep) => {
        const sample = await get(who, blksize, null);
        ctx.progress(`  rep ${rep} blksize ${blksize} ${who}: ${sample.value.toFixed(1)} MB/s, server CPU ${sample.cpuSeconds.toFixed(2)} s`);
        return sample;
      },
      ctx.progress,
    );
    ctx.progress(`windowsize ${WINDOWSIZES.join('/')} (blksize ${WINDOW_BLKSIZE}): Bramble vs atftpd`);
    const byWindow = await interleave(
      ctx.reps, WINDOWSIZES, ['bramble', 'atftpd'] as const,
      async (windowsize, who, rep) => {
        const sample = await get(who, WINDOW_BLKSIZE, windowsize);
        ctx.progress(`  rep ${rep} windowsize ${windowsize} ${who}: ${sample.value.toFixed(1)} MB/s, server CPU ${sample.cpuSeconds.toFixed(2)} s`);
        return sample;
      },
      ctx.progress,
    );

    /** Ratios of every setting, collected while the rows are built, for the result line. */
    const ratios: number[] = [];
    const rows = <C extends Contender>(results: Map<number, Record<'bramble' | C, Sample[]>>, peer: C, label: (s: number) => string) =>
      [...results].map(([setting, runs]) => {
        const b = runs.bramble.map((r) => r.value);
        const p = runs[peer].map((r) => r.value);
        const r = ratio(median(b), median(p));
        ratios.push(r);
        const cpu = (samples: readonly Sample[]): string => formatNumber(median(samples.map((x) => x.cpuSeconds)), 2);
        return [label(setting), formatRuns(median(b), b), formatRuns(median(p), p), formatRatio(r), r >= 1 ? 'yes' : '**no**', `${cpu(runs.bramble)} / ${cpu(runs[peer])}`];
      });
    const blksizeRows = rows(byBlksize, 'tftpd-hpa', (s) => `blksize ${s}`);
    const windowRows = rows(byWindow, 'atftpd', (s) => `windowsize ${s}`);
    const finite = ratios.filter(Number.isFinite);
    const result =
      finite.length === 0
        ? 'no Bramble figures.'
        : `Bramble / peer from ${Math.min(...finite).toFixed(2)}x to ${Math.max(...finite).toFixed(2)}x; at least the peer at ${ratios.filter((r) => r >= 1).length} of ${ratios.length} settings (aim: all).`;
    const head = ['setting', 'Bramble MB/s', 'peer MB/s', 'ratio', 'at least the peer', 'server CPU s per transfer, Bramble / peer'];
    const markdown = [
      sectionHead({ title: 'TFTP', area: 'tftp', result, machine: ctx.machine, reps: ctx.reps, versions }),
      `- Setup: one \`atftp\` client downloads a ${FILE_BYTES / MiB} MiB random file over loopback (MTU 65536) from each server in turn; MB/s = 10^6 bytes/s of file, wall time of the client process. Every transfer is size-checked; the warm-up transfer from each server is checked byte for byte. Server CPU = user+system time of the server process (tftpd-hpa: with the child that served the transfer), median; it shows the cost of a transfer even when the shared machine's load distorts the wall time.`,
      '',
      `### blksize, no windowsize: Bramble vs tftpd-hpa (\`in.tftpd -L\`)`,
      '',
      markdownTable(head, blksizeRows),
      '',
      `### windowsize, blksize ${WINDOW_BLKSIZE}: Bramble vs atftpd (\`atftpd --daemon --no-fork\`)`,
      '',
      markdownTable(head, windowRows),
    ].join('\n');
    return { name: 'tftp', markdown };
  },
};

