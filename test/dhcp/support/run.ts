// Runs one command (argv array, never a shell string) to completion and hands back its output and status.
import { execFile } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  readonly code = 'COMMAND_FAILED';
  constructor(message: string, readonly result: RunResult) {
    super(message);
  }
}

/** Resolves with the result whatever the exit status unless `check` is set (the default), then non-zero rejects. */
export function run(
  argv: readonly string[],
  options: { readonly timeoutMs?: number; readonly check?: boolean; readonly input?: string } = {},
): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new TypeError('empty argv'));
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        const result = { code, stdout, stderr };
        if (code !== 0 && options.check !== false) {
          reject(new CommandError(`${argv.join(' ')} exited ${code}: ${stderr.trim()}`, result));
        } else resolve(result);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
