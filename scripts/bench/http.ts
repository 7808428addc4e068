// HTTP asset throughput (RFC 9110 GET of a static file): a 256 MiB asset from Bramble's /assets/ and from nginx
// (sendfile on), on loopback, with one curl and with 8 curls at once.
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { join } from 'node:path';
import { interleave, sectionHead } from './area.js';
import type { Area, AreaContext, Sample } from './area.js';
import { startBramble } from './bramble.js';
import { curlGet, curlParallel } from './curl-client.js';
import { freePort } from './free-port.js';
import { nginxConfig } from './nginx-config.js';
import { waitForListeners } from './ready.js';
import { formatNumber, formatRatio, formatRuns, markdownTable } from './report.js';
import { childPids, withCpu } from './process-cpu.js';
import { startServer } from './server-process.js';
import { mbPerSecond, median, ratio } from './stats.js';
import { MiB, writeRandomFile } from './test-file.js';
import { requireTools, toolVersion } from './tools.js';

const ASSET = 'bench-256m.bin';
const ASSET_BYTES = 256 * MiB;
const PARALLEL = 8;
const TARGET_RATIO = 0.7;

type Mode = 'sequential' | 'parallel';

export const httpArea: Area = {
  name: 'http',
  async run(ctx: AreaContext) {
    requireTools(['curl', 'nginx', 'ss']);
    const versions = [
      `nginx ${await toolVersion(['nginx', '-v'], /nginx\/(\S+)/)}`,
      `curl ${await toolVersion(['curl', '--version'], /curl (\S+)/)}`,
    ];
    const dataDir = join(ctx.workDir, 'bramble');
    const assets = join(dataDir, 'http');
    const ipxeDir = join(ctx.workDir, 'ipxe');
    const nginxPrefix = join(ctx.workDir, 'nginx');
    await mkdir(ipxeDir, { recursive: true });
    await mkdir(nginxPrefix, { recursive: true });
    ctx.progress(`writing the ${ASSET_BYTES / MiB} MiB asset`);
    await writeRandomFile(join(assets, ASSET), ASSET_BYTES);

    const brambleHttp = await freePort();
    const nginxPort = await freePort();
    let bramblePid = -1;
    if (ctx.withBramble) {
      const bramble = await startBramble({
        netns: null, interfaceName: 'lo', address: '127.0.0.1', dataDir, ipxeDir,
        httpPort: brambleHttp, tftpPort: await freePort(), dhcpRange: null,
      });
      ctx.cleanup.defer('stop bramble', () => bramble.stop());
      bramblePid = bramble.pid;
    }
    const config = join(nginxPrefix, 'nginx.conf');
    await writeFile(config, nginxConfig({ prefix: nginxPrefix, root: assets, port: nginxPort }));
    const nginx = startServer(['nginx', '-e', 'stderr', '-p', nginxPrefix, '-c', config], { label: 'nginx' });
    ctx.cleanup.defer('stop nginx', () => nginx.stop());
    await waitForListeners(nginx, [{ transport: 'tcp', port: nginxPort }], null);
    // nginx's CPU is its master's plus its workers' (long-lived children).
    const pids = { bramble: bramblePid, nginx: nginx.pid };
    await workersOf(nginx.pid);

    const urls = {
      bramble: `http://127.0.0.1:${brambleHttp}/assets/${ASSET}`,
      nginx: `http://127.0.0.1:${nginxPort}/${ASSET}`,
    } as const;
    ctx.progress('warm-up: one download from each server');
    if (ctx.withBramble) await curlGet(urls.bramble, ASSET_BYTES);
    await curlGet(urls.nginx, ASSET_BYTES);

    const results = await interleave(
      ctx.reps, ['sequential', 'parallel'] as const satisfies readonly Mode[], ['bramble', 'nginx'] as const,
      async (mode, who, rep): Promise<Sample> => {
        if (who === 'bramble' && !ctx.withBramble) return { value: Number.NaN, cpuSeconds: Number.NaN };
        const clients = mode === 'sequential' ? 1 : PARALLEL;
        const { result: ms, cpuSeconds } = await withCpu(pids[who], () =>
          mode === 'sequential' ? curlGet(urls[who], ASSET_BYTES) : curlParallel(urls[who], ASSET_BYTES, PARALLEL),
        );
        const sample = { value: mbPerSecond(ASSET_BYTES * clients, ms), cpuSeconds: cpuSeconds / ((ASSET_BYTES * clients) / 1e9) };
        ctx.progress(`  rep ${rep} ${mode} ${who}: ${sample.value.toFixed(0)} MB/s, server CPU ${sample.cpuSeconds.toFixed(2)} s per GB`);
        return sample;
      },
      ctx.progress,
    );

    const rows = [...results].map(([mode, runs]) => {
      const b = runs.bramble.map((s) => s.value);
      const n = runs.nginx.map((s) => s.value);
      const r = ratio(median(b), median(n));
      const cpu = `${formatNumber(median(runs.bramble.map((s) => s.cpuSeconds)), 2)} / ${formatNumber(median(runs.nginx.map((s) => s.cpuSeconds)), 2)}`;
      const label = mode === 'sequential' ? '1 client (curl)' : `${PARALLEL} clients at once (${PARALLEL} curls), total`;
      return [label, formatRuns(median(b), b, 0), formatRuns(median(n), n, 0), formatRatio(r), r >= TARGET_RATIO ? 'yes' : '**no**', cpu];
    });
    const modeRatios = [...results].map(([mode, runs]) => ({
      mode,
      r: ratio(median(runs.bramble.map((s) => s.value)), median(runs.nginx.map((s) => s.value))),
    }));
    const met = modeRatios.every((m) => m.r >= TARGET_RATIO);
    const result = `Bramble / nginx ${modeRatios.map((m) => `${formatNumber(m.r, 2)}x ${m.mode === 'sequential' ? 'with 1 client' : `with ${PARALLEL} clients`}`).join(', ')}; aim ≥ ${TARGET_RATIO}x: ${met ? 'met' : '**not met**'}.`;
    const markdown = [
      sectionHead({ title: 'HTTP', area: 'http', result, machine: ctx.machine, reps: ctx.reps, versions }),
      `- Setup: a ${ASSET_BYTES / MiB} MiB random asset, GET over loopback by \`curl -o /dev/null\` (status and size checked), from Bramble's \`/assets/\` and from nginx (\`worker_processes auto\`, \`sendfile on\`, \`tcp_nopush on\`, access log off; run by hand with \`daemon off\`). MB/s = 10^6 bytes/s of body; for ${PARALLEL} clients, all bytes over the wall time until the last finished. Server CPU = user+system time of the server (nginx: master and workers) per 10^9 bytes served, median. Target: ratio ≥ ${TARGET_RATIO}x.`,
      '',
      markdownTable(['clients', 'Bramble MB/s', 'nginx MB/s', 'ratio', `≥ ${TARGET_RATIO}x nginx`, 'server CPU s per GB, Bramble / nginx'], rows),
    ].join('\n');
    return { name: 'http', markdown };
  },
};

/** Waits for nginx's workers (the master binds the port first, then forks them), so their time is counted. */
async function workersOf(master: number): Promise<Set<number>> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    const children = await childPids(master);
    if (children.size > 0) return children;
    await sleep(50);
  }
  throw new BenchError('WAIT_TIMEOUT', 'nginx started no worker process within 5 s');
}
