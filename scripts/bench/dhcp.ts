// DHCP full-mode capacity (RFC 2131 DORA via a relay, RFC 1542): the highest perfdhcp offered rate with zero
// drops, stepped upwards, for Bramble, Kea and dnsmasq, each leasing from the same pool with leases on disk.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interleave, sectionHead } from './area.js';
import type { Area, AreaContext, Sample } from './area.js';
import { startBramble } from './bramble.js';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';
import { keaConfig } from './kea-config.js';
import { CLIENT_ADDRESS, createVethPair, NETMASK, PREFIX_LENGTH, SERVER_ADDRESS, SERVER_IF } from './netns.js';
import type { VethPair } from './netns.js';
import { CLIENTS_PER_EXCHANGE, parsePerfdhcp, perfdhcpArgv } from './perfdhcp.js';
import { climbLadder, DROP_TOLERANCE, dropShare, RATE_LADDER } from './rate-ladder.js';
import type { Capacity, Reached } from './rate-ladder.js';
import type { PerfdhcpResult } from './perfdhcp.js';
import { waitForListeners } from './ready.js';
import { formatNumber, formatRatio, formatRuns, markdownTable } from './report.js';
import { startServer } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { median, ratio } from './stats.js';
import { requireTools, toolVersion } from './tools.js';
import { readUdpCounters } from './udp-counters.js';

const STEP_SECONDS = 5;
const POOL_FIRST = '198.18.1.0';
const POOL_LAST = '198.19.255.254';
const LEASE_SECONDS = 3600;
const TARGET_RATE = 2000;

type Contender = 'bramble' | 'kea' | 'dnsmasq';

interface StepResult extends PerfdhcpResult {
  /** Datagrams the server's namespace dropped for a full socket receive buffer during the step. */
  readonly serverOverflows: number;
  /** The same on perfdhcp's side: replies that arrived in a burst larger than its socket buffer. */
  readonly clientOverflows: number;
}

export const dhcpArea: Area = {
  name: 'dhcp',
  async run(ctx: AreaContext) {
    requireTools(['perfdhcp', 'kea-dhcp4', 'dnsmasq', 'ip', 'ss']);
    const versions = [
      `perfdhcp ${await toolVersion(['perfdhcp', '-v'], /(\d+\.\d+\.\d+)/)}`,
      `Kea ${await toolVersion(['kea-dhcp4', '-v'], /(\d+\.\d+\.\d+)/)}`,
      `dnsmasq ${await toolVersion(['dnsmasq', '--version'], /Dnsmasq version (\S+)/)}`,
    ];
    const pair = await createVethPair();
    ctx.cleanup.defer('delete namespaces', () => pair.destroy());
    const ipxeDir = join(ctx.workDir, 'ipxe');
    await mkdir(ipxeDir, { recursive: true });

    // A fresh server with an empty lease database for every step, so each offered rate meets the same state.
    const startFresh = async (who: Contender): Promise<ServerProcess> => {
      const dir = join(ctx.workDir, who);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      if (who === 'bramble') {
        return startBramble({
          netns: pair.server, interfaceName: SERVER_IF, address: SERVER_ADDRESS, dataDir: dir, ipxeDir,
          httpPort: 8080, tftpPort: 6969, dhcpRange: `${POOL_FIRST}-${POOL_LAST}`,
        });
      }
      const server = who === 'kea' ? await startKea(pair, dir) : startDnsmasq(pair, dir);
      try {
        await waitForListeners(server, [{ transport: 'udp', port: 67 }], pair.server);
      } catch (error) {
        await server.stop();
        throw error;
      }
      return server;
    };

    const step = async (who: Contender, rate: number): Promise<StepResult> => {
      const server = await startFresh(who);
      const stop = ctx.cleanup.defer(`stop ${who}`, () => server.stop());
      try {
        const before = { server: await readUdpCounters(pair.server), client: await readUdpCounters(pair.client) };
        const argv = pair.exec(pair.client, perfdhcpArgv({ localAddress: CLIENT_ADDRESS, serverAddress: SERVER_ADDRESS, rate, seconds: STEP_SECONDS }));
        const outcome = await runCommand(argv, { timeoutMs: (STEP_SECONDS + 30) * 1000 });
        // perfdhcp exits 3 when some exchanges did not complete: that is a result, not a failure.
        if (outcome.code !== 0 && outcome.code !== 3) {
          throw new BenchError('COMMAND_FAILED', `perfdhcp exited ${String(outcome.code ?? outcome.signal)}: ${outcome.stderr.trim() || outcome.stdout.slice(-500)}`);
        }
        if (server.exited()) throw new BenchError('PROCESS_EXITED', `${who} exited during the step:\n${server.tail()}`);
        const after = { server: await readUdpCounters(pair.server), client: await readUdpCounters(pair.client) };
        return {
          ...parsePerfdhcp(outcome.stdout),
          serverOverflows: after.server.rcvbufErrors - before.server.rcvbufErrors,
          clientOverflows: after.client.rcvbufErrors - before.client.rcvbufErrors,
        };
      } finally {
        await stop();
      }
    };

    const capacities: Record<Contender, Capacity[]> = { bramble: [], kea: [], dnsmasq: [] };
    /** Per climb, how its first lossy step lost: where a capacity figure comes from. */
    const endings: Record<Contender, string[]> = { bramble: [], kea: [], dnsmasq: [] };
    const climb = async (who: Contender, rep: number): Promise<Sample> => {
      if (who === 'bramble' && !ctx.withBramble) return { value: Number.NaN, cpuSeconds: Number.NaN };
      let firstLoss: string | null = null;
      const capacity = await climbLadder(RATE_LADDER, STEP_SECONDS, async (rate) => {
        const result = await step(who, rate);
        const lost = result.discoverOffer.drops + result.requestAck.drops;
        const summary = `${formatNumber(rate, 0)}/s: ${(dropShare(result) * 100).toFixed(1)}%; ${result.serverOverflows}; ${result.clientOverflows}`;
        if (lost > 0 && firstLoss === null) firstLoss = summary;
        ctx.progress(
          `  rep ${rep} ${who} offered ${rate}/s: ${result.requestAck.received} of ${result.discoverOffer.sent} leased, drops ${result.discoverOffer.drops}+${result.requestAck.drops} (${(dropShare(result) * 100).toFixed(2)}%), socket buffer overflows: server ${result.serverOverflows}, perfdhcp ${result.clientOverflows}`,
        );
        return result;
      });
      capacities[who].push(capacity);
      endings[who].push(firstLoss ?? 'none up to the ladder top');
      return { value: capacity.clean.rate, cpuSeconds: Number.NaN };
    };

    ctx.progress(`stepping the offered rate (${STEP_SECONDS} s per step) until drops pass ${DROP_TOLERANCE * 100}%`);
    await interleave(ctx.reps, ['capacity'] as const, ['bramble', 'kea', 'dnsmasq'] as const, (_s, who, rep) => climb(who, rep), ctx.progress);

    const figure = (who: Contender, pick: (c: Capacity) => Reached): { rate: number; runs: number[]; completed: number; completedRuns: number[]; capped: boolean } => {
      const reached = capacities[who].map(pick);
      const runs = reached.map((r) => r.rate);
      const completedRuns = reached.map((r) => r.completed);
      return { rate: median(runs), runs, completed: median(completedRuns), completedRuns, capped: reached.some((r) => r.capped) };
    };
    const cell = (f: ReturnType<typeof figure>): string[] => [
      formatRuns(f.rate, f.runs, 0) + (f.capped ? ' (ladder top: at least)' : ''),
      formatRuns(f.completed, f.completedRuns, 0),
    ];
    const clean = (who: Contender) => figure(who, (c) => c.clean);
    const tolerant = (who: Contender) => figure(who, (c) => c.tolerant);
    const row = (who: Contender, label: string): string[] => [
      label,
      ...cell(clean(who)),
      who === 'bramble' ? '' : formatRatio(ratio(clean('bramble').rate, clean(who).rate)),
      ...cell(tolerant(who)),
      who === 'bramble' ? '' : formatRatio(ratio(tolerant('bramble').rate, tolerant(who).rate)),
      endings[who].join(' / '),
    ];
    const b = clean('bramble').rate;
    const met = b >= TARGET_RATE && b > clean('dnsmasq').rate;
    const tolerance = `${DROP_TOLERANCE * 100}%`;
    const markdown = [
      sectionHead({
        title: 'DHCP',
        area: 'dhcp',
        result: `Bramble ${formatNumber(b, 0)} exchanges/s with zero drops, Kea ${formatNumber(clean('kea').rate, 0)}/s (${formatNumber(ratio(b, clean('kea').rate), 2)}x), dnsmasq ${formatNumber(clean('dnsmasq').rate, 0)}/s (${formatNumber(tolerant('dnsmasq').rate, 0)}/s within ${tolerance} loss, where Bramble did ${formatNumber(tolerant('bramble').rate, 0)}/s); aim ≥ ${formatNumber(TARGET_RATE, 0)}/s and ahead of dnsmasq: ${met ? 'met' : '**not met**'}.`,
        machine: ctx.machine,
        reps: ctx.reps,
        versions,
      }),
      `- Setup: two network namespaces joined by a veth pair (server ${SERVER_ADDRESS}/${PREFIX_LENGTH}, perfdhcp ${CLIENT_ADDRESS}/${PREFIX_LENGTH}); perfdhcp acts as a relay (giaddr ${CLIENT_ADDRESS}); pool ${POOL_FIRST}-${POOL_LAST} (netmask ${NETMASK}), lease time ${LEASE_SECONDS} s.`,
      `- Method: offered rates ${RATE_LADDER.join(', ')}/s in turn, ${STEP_SECONDS} s each (\`perfdhcp -4 -l ${CLIENT_ADDRESS} -r RATE -R RATE*${STEP_SECONDS * CLIENTS_PER_EXCHANGE} -p ${STEP_SECONDS} -W 1000000 ${SERVER_ADDRESS}\`: ${CLIENTS_PER_EXCHANGE} times as many client MACs as exchanges, so almost every exchange is a new client), each step against a freshly started server with an empty lease database on disk, until a step loses more than ${tolerance} of its exchanges. A drop is an OFFER or ACK that did not come within perfdhcp's 1 s (a NAK counts as a drop). Headline: the highest offered rate with zero drops at it and every step below; beside it the highest with at most ${tolerance} lost.`,
      `- Servers: Bramble \`serve --dhcp-mode full\` (leases persisted in its data folder); Kea \`kea-dhcp4 -c\` with a memfile lease CSV on disk (persist true, lfc-interval 0; Kea 2.2's default, single-threaded), run by hand, not the packaged service; dnsmasq \`-d --dhcp-leasefile=... --no-ping --quiet-dhcp --dhcp-lease-max=200000\` (no ping check and no per-lease log line, so that it is measured at its fastest; it picks addresses by a hash of the MAC and does not hold an offered address, so two clients offered the same address get one NAK: it loses a few exchanges at any rate). Durability differs (seen with \`strace -c\`): Bramble sends ACKs only after the batch's lease lines are fdatasync'ed, dnsmasq fsyncs its lease file after every change, Kea 2.2's memfile writes without any fsync.`,
      '',
      markdownTable(
        [
          'server',
          'highest offered rate, 0 drops (/s)',
          'completed there (/s)',
          'Bramble / server, 0 drops',
          `highest offered rate, ≤ ${tolerance} lost (/s)`,
          'completed there (/s)',
          `Bramble / server, ≤ ${tolerance}`,
          'first step with losses, per run (rate: share lost; datagrams dropped by a full socket buffer at the server; at perfdhcp)',
        ],
        [row('bramble', 'Bramble'), row('kea', 'Kea'), row('dnsmasq', 'dnsmasq')],
      ),
    ].join('\n');
    return { name: 'dhcp', markdown };
  },
};

async function startKea(pair: VethPair, dir: string): Promise<ServerProcess> {
  const config = join(dir, 'kea-dhcp4.json');
  await writeFile(
    config,
    keaConfig({
      interfaceName: SERVER_IF, subnet: `198.18.0.0/${PREFIX_LENGTH}`, poolFirst: POOL_FIRST, poolLast: POOL_LAST,
      leaseFile: join(dir, 'kea-leases4.csv'), leaseSeconds: LEASE_SECONDS,
    }),
  );
  // Kea's pid and lock files default to /run and /var: keep them in the step's folder.
  const env = { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir };
  return startServer(pair.exec(pair.server, ['kea-dhcp4', '-c', config]), { label: 'kea-dhcp4', env, cwd: dir });
}

function startDnsmasq(pair: VethPair, dir: string): ServerProcess {
  const argv = [
    'dnsmasq', '-d', '-C', '/dev/null', '--port=0',
    `--interface=${SERVER_IF}`, '--bind-interfaces',
    `--dhcp-range=${POOL_FIRST},${POOL_LAST},${NETMASK},${LEASE_SECONDS}s`,
    `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`, '--dhcp-lease-max=200000',
    '--no-ping', '--quiet-dhcp', `--pid-file=${join(dir, 'dnsmasq.pid')}`,
  ];
  return startServer(pair.exec(pair.server, argv), { label: 'dnsmasq', cwd: dir });
}
