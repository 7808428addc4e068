// HTTP asset throughput (RFC 9110 GET of a static file): a 256 MiB asset from Bramble's /assets/ and from nginx
// (sendfile on), on loopback, with one curl and with 8 curls at once.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interleave, sectionHead } from './area.js';
import type { Area, AreaContext } from './area.js';
import { startBramble } from './bramble.js';
import { curlGet, curlParallel } from './curl-client.js';
import { freePort } from './free-port.js';
import { nginxConfig } from './nginx-config.js';
import { waitForListeners } from './ready.js';
import { formatRatio, formatRuns, markdownTable } from './report.js';
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
    if (ctx.withBramble) {
      const bramble = await startBramble({
        netns: null, interfaceName: 'lo', address: '127.0.0.1', dataDir, ipxeDir,
        httpPort: brambleHttp, tftpPort: await freePort(), dhcpRange: null,
      });
      ctx.cleanup.defer('stop bramble', () => bramble.stop());
    }
    const config = join(nginxPrefix, 'nginx.conf');
    await writeFile(config, nginxConfig({ prefix: nginxPrefix, root: assets, port: nginxPort }));
    const nginx = startServer(['nginx', '-e', 'stderr', '-p', nginxPrefix, '-c', config], { label: 'nginx' });
    ctx.cleanup.defer('stop nginx', () => nginx.stop());
    await waitForListeners(nginx, [{ transport: 'tcp', port: nginxPort }], null);

    const urls = {
      bramble: `http://127.0.0.1:${brambleHttp}/assets/${ASSET}`,
      nginx: `http://127.0.0.1:${nginxPort}/${ASSET}`,
    } as const;
    ctx.progress('warm-up: one download from each server');
    if (ctx.withBramble) await curlGet(urls.bramble, ASSET_BYTES);
    await curlGet(urls.nginx, ASSET_BYTES);

    const results = await interleave(
      ctx.reps, ['sequential', 'parallel'] as const satisfies readonly Mode[], ['bramble', 'nginx'] as const,
      async (mode, who, rep) => {
        if (who === 'bramble' && !ctx.withBramble) return Number.NaN;
        const value =
          mode === 'sequential'
            ? mbPerSecond(ASSET_BYTES, await curlGet(urls[who], ASSET_BYTES))
            : mbPerSecond(ASSET_BYTES * PARALLEL, await curlParallel(urls[who], ASSET_BYTES, PARALLEL));
        ctx.progress(`  rep ${rep} ${mode} ${who}: ${value.toFixed(0)} MB/s`);
        return value;
      },
      ctx.progress,
    );

    const rows = [...results].map(([mode, runs]) => {
      const b = median(runs.bramble);
      const n = median(runs.nginx);
      const r = ratio(b, n);
      const label = mode === 'sequential' ? '1 client (curl)' : `${PARALLEL} clients at once (${PARALLEL} curls), total`;
      return [label, formatRuns(b, runs.bramble, 0), formatRuns(n, runs.nginx, 0), formatRatio(r), r >= TARGET_RATIO ? 'yes' : '**no**'];
    });
    const markdown = [
      sectionHead('HTTP', 'http', ctx.machine, ctx.reps, versions),
      `- Setup: a ${ASSET_BYTES / MiB} MiB random asset, GET over loopback by \`curl -o /dev/null\` (status and size checked), from Bramble's \`/assets/\` and from nginx (\`worker_processes auto\`, \`sendfile on\`, \`tcp_nopush on\`, access log off; run by hand with \`daemon off\`). MB/s = 10^6 bytes/s of body; for ${PARALLEL} clients, all bytes over the wall time until the last finished. Target: ratio ≥ ${TARGET_RATIO}x.`,
      '',
      markdownTable(['clients', 'Bramble MB/s', 'nginx MB/s', 'ratio', `≥ ${TARGET_RATIO}x nginx`], rows),
    ].join('\n');
    return { name: 'http', markdown };
  },
};
