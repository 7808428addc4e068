// `npm run bench [-- AREA...]`: measures Bramble beside its peers area by area (tftp, dhcp, http, memory, nfs,
// iscsi) and rewrites each measured area's section of BENCHMARKS.md, keeping the others.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Area } from './area.js';
import { BenchError } from './bench-error.js';
import { buildBramble, REPO_ROOT } from './bramble.js';
import { Cleanup } from './cleanup.js';
import { dhcpArea } from './dhcp.js';
import { httpArea } from './http.js';
import { iscsiArea } from './iscsi.js';
import { machineInfo } from './machine.js';
import { memoryArea } from './memory.js';
import { sweepStaleNamespaces } from './netns.js';
import { nfsArea } from './nfs.js';
import { replaceSection } from './report.js';
import { tftpArea } from './tftp.js';

const AREAS: readonly Area[] = [tftpArea, dhcpArea, httpArea, memoryArea, nfsArea, iscsiArea];
const USAGE = `usage: npm run bench [-- [--reps N] [--no-build] [--no-write] [--peers-only] [AREA...]]
areas: ${AREAS.map((a) => a.name).join(', ')} (default: all)
  --reps N     runs per figure (default 3; the median is reported)
  --no-build   use the existing dist/ instead of running npm run build
  --no-write   print the sections instead of rewriting BENCHMARKS.md
  --peers-only measure the peers alone (checks the peer setup while Bramble cannot run; implies --no-write)`;

interface Options {
  readonly areas: readonly Area[];
  readonly reps: number;
  readonly build: boolean;
  readonly write: boolean;
  readonly withBramble: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        reps: { type: 'string' },
        'no-build': { type: 'boolean' },
        'no-write': { type: 'boolean' },
        'peers-only': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new BenchError('USAGE', `${(error as Error).message}\n${USAGE}`);
  }
  if (parsed.values.help) throw new BenchError('USAGE', USAGE);
  const unknown = parsed.positionals.filter((name) => !AREAS.some((a) => a.name === name));
  if (unknown.length > 0) throw new BenchError('USAGE', `unknown area ${unknown.join(', ')}\n${USAGE}`);
  const reps = parsed.values.reps === undefined ? 3 : Number(parsed.values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new BenchError('USAGE', `--reps must be a whole number ≥ 1\n${USAGE}`);
  const wanted = new Set(parsed.positionals);
  const peersOnly = parsed.values['peers-only'] === true;
  return {
    areas: wanted.size === 0 ? AREAS : AREAS.filter((a) => wanted.has(a.name)),
    reps,
    build: parsed.values['no-build'] !== true && !peersOnly,
    // Figures without Bramble's side would overwrite real ratios with "n/a": print them only.
    write: parsed.values['no-write'] !== true && !peersOnly,
    withBramble: !peersOnly,
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  // Namespaces, atftpd/tftpd-hpa as root.root and perfdhcp's port 67 all need root.
  if (process.getuid?.() !== 0) throw new BenchError('NOT_ROOT', 'npm run bench needs root (network namespaces, peer servers)');

  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`bench: ${signal}: stopping servers and deleting namespaces`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stale = await sweepStaleNamespaces();
  if (stale.length > 0) console.log(`bench: deleted namespaces left by crashed runs: ${stale.join(', ')}`);
  if (options.build) {
    console.log('bench: npm run build');
    await buildBramble();
  }

  const reportPath = join(REPO_ROOT, 'BENCHMARKS.md');
  const failures: string[] = [];
  for (const area of options.areas) {
    const scope = cleanup.scope(area.name);
    const workDir = await mkdtemp(join('/var/tmp', `bramble-bench-${area.name}-`));
    scope.defer(`delete ${workDir}`, () => rm(workDir, { recursive: true, force: true }));
    const machine = machineInfo();
    console.log(`bench: ${area.name} (load average ${machine.load.map((l) => l.toFixed(2)).join(', ')})`);
    try {
      const section = await area.run({ workDir, cleanup: scope, reps: options.reps, withBramble: options.withBramble, machine, progress: (line) => console.log(`[${area.name}] ${line}`) });
      if (options.write) {
        const before = await readFile(reportPath, 'utf8').catch(() => '');
        await writeFile(reportPath, replaceSection(before, section));
        console.log(`bench: ${area.name}: BENCHMARKS.md updated`);
      } else {
        console.log(section.markdown);
      }
    } catch (error) {
      const code = error instanceof BenchError ? error.code : 'UNEXPECTED';
      failures.push(`${area.name}: ${code}: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`bench: ${area.name} failed (${code}); its section is left as it was:\n${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await scope.run().catch((error: unknown) => failures.push(`${area.name} cleanup: ${(error as Error).message}`));
    }
  }
  await cleanup.run();
  if (failures.length > 0) {
    console.error(`bench: ${failures.length} area(s) failed:\n${failures.join('\n')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = error instanceof BenchError ? error.code : 'UNEXPECTED';
    console.error(`bench: ${code}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = code === 'USAGE' ? 2 : 1;
  },
);
