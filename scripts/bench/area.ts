// What run.ts hands each benchmark area, the A B A B A B schedule they all follow, and the common head of an
// area's section in BENCHMARKS.md.
import type { Cleanup } from './cleanup.js';
import type { MachineInfo } from './machine.js';
import { describeMachine } from './machine.js';
import type { AreaSection } from './report.js';

export interface AreaContext {
  /** A fresh temp folder (on disk, not tmpfs) that run.ts deletes afterwards. */
  readonly workDir: string;
  /** Cleanup scope of this area: everything started must be registered here. */
  readonly cleanup: Cleanup;
  readonly reps: number;
  /** false with --peers-only: Bramble is neither started nor measured (its figures read "failed"). */
  readonly withBramble: boolean;
  readonly machine: MachineInfo;
  readonly progress: (line: string) => void;
}

export interface Area {
  readonly name: string;
  run(context: AreaContext): Promise<AreaSection>;
}

/** One measured run: the figure (MB/s, exchanges/s...) and the server's CPU seconds for it (NaN if not taken). */
export interface Sample {
  readonly value: number;
  readonly cpuSeconds: number;
}

const FAILED: Sample = { value: Number.NaN, cpuSeconds: Number.NaN };

/**
 * Runs every (setting, contender) pair `reps` times: repetition by repetition, and within one setting the
 * contenders back to back, so a burst of load from another process lands on both sides. A run that throws is
 * recorded as NaN (and reported) instead of ending the area. `alternate`: every second repetition takes the
 * contenders in reverse order, so that what the run before leaves behind (pages just freed, writeback under
 * way) does not always fall to the same contender.
 */
export async function interleave<S, C extends string>(
  reps: number,
  settings: readonly S[],
  contenders: readonly C[],
  measure: (setting: S, contender: C, rep: number) => Promise<Sample>,
  report: (line: string) => void,
  alternate = false,
): Promise<Map<S, Record<C, Sample[]>>> {
  const results = new Map<S, Record<C, Sample[]>>();
  for (const s of settings) {
    const perContender = {} as Record<C, Sample[]>;
    for (const c of contenders) perContender[c] = [];
    results.set(s, perContender);
  }
  for (let rep = 1; rep <= reps; rep += 1) {
    const order = alternate && rep % 2 === 0 ? [...contenders].reverse() : contenders;
    for (const s of settings) {
      for (const c of order) {
        let sample: Sample;
        try {
          sample = await measure(s, c, rep);
        } catch (error) {
          report(`  ${c} failed: ${error instanceof Error ? error.message : String(error)}`);
          sample = FAILED;
        }
        results.get(s)![c].push(sample);
      }
    }
  }
  return results;
}

export interface SectionHead {
  readonly title: string;
  readonly area: string;
  /** One line saying how Bramble did against the aim, with the ratios: the line a reader looks for. */
  readonly result: string;
  readonly machine: MachineInfo;
  readonly reps: number;
  readonly versions: readonly string[];
  /** The area ran interleave() with `alternate`. */
  readonly alternated?: boolean;
}

export function sectionHead({ title, area, result, machine, reps, versions, alternated = false }: SectionHead): string {
  const order = alternated ? 'contenders interleaved run by run, in reverse order every second repetition' : 'contenders interleaved run by run';
  return [
    `## ${title}`,
    '',
    `**Result:** ${result}`,
    '',
    // The reps are part of the command: the same area at the default 3 can give other medians.
    `- Command: \`npm run bench -- --reps ${reps} ${area}\``,
    `- Measured: ${describeMachine(machine)}`,
    `- Versions: ${versions.join('; ')}`,
    `- Each figure: median of ${reps} run${reps === 1 ? "" : "s"} (every run in brackets), ${order}.`,
  ].join('\n');
}
