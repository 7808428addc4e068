// Runs a short-lived command (argv array, no shell) to completion and times it; the exit status is data, not an
// error, because clients like perfdhcp report results through it (exit 3 = drops).
import { execFile } from 'node:child_process';
import { BenchError } from './bench-error.js';

export interface CommandOutcome {
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) past this; default 120 s. */
  readonly timeoutMs?: number;
}

export function runCommand(argv: readonly string[], options: CommandOptions = {}): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new BenchError('COMMAND_FAILED', 'empty command'));
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const failure = error as (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        // execFile reports a spawn failure (ENOENT) with a string code and an exit status with a number.
        const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
        const spawnError = failure !== null && typeof failure.code === 'string' ? `${failure.code}: ${failure.message}` : '';
        resolve({ argv, code, signal: failure?.signal ?? null, stdout, stderr: stderr + spawnError, ms });
      },
    );
    child.stdin?.end();
  });
}

/** Runs a setup command that must succeed (ip, mkdir-like steps); throws COMMAND_FAILED with its output. */
export async function mustRun(argv: readonly string[], options: CommandOptions = {}): Promise<CommandOutcome> {
  const outcome = await runCommand(argv, options);
  if (outcome.code !== 0) {
    const detail = outcome.stderr.trim() || outcome.stdout.trim() || `signal ${String(outcome.signal)}`;
    throw new BenchError('COMMAND_FAILED', `${argv.join(' ')} exited ${String(outcome.code)}: ${detail}`);
  }
  return outcome;
}
