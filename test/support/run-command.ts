// Runs a short-lived command (argv array, no shell) to completion and returns its output, or throws COMMAND_FAILED.
import { execFile } from 'node:child_process';
import type { ExecFileException } from 'node:child_process';
import { HarnessError } from './harness-error.js';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A finished command whose exit status is part of the answer (perfdhcp's 3, a client that got no lease). */
export interface CommandStatus extends CommandResult {
  /** The exit code; 1 when there is none (killed by a signal or the timeout, or could not be started). */
  readonly code: number;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly input?: string | Uint8Array;
}

export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const { error, stdout, stderr } = await execute(argv, options);
  if (error !== null) {
    const detail = stderr.trim() || stdout.trim() || error.message;
    throw new HarnessError('COMMAND_FAILED', `${argv.join(' ')} failed: ${detail}`, { cause: error });
  }
  return { stdout, stderr };
}

/** Like runCommand, but a non-zero exit is a result to look at, not an error. */
export async function runCommandStatus(argv: readonly string[], options: RunOptions = {}): Promise<CommandStatus> {
  const { error, stdout, stderr } = await execute(argv, options);
  const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
  return { code, stdout, stderr };
}

interface Outcome extends CommandResult {
  readonly error: ExecFileException | null;
}

function execute(argv: readonly string[], options: RunOptions): Promise<Outcome> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new HarnessError('COMMAND_FAILED', 'empty command'));
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => resolve({ error, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
