// A long-running child (server, client, VM) in its own process group, with its output kept for waits and failures.
import { spawn } from 'node:child_process';

export interface Child {
  readonly pid: number;
  output(): string;
  /** Resolves with the first match in the output so far or to come; rejects on timeout or early exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (null when killed by a signal); rejects on timeout. */
  exited(timeoutMs: number): Promise<number | null>;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves once it is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export function startChild(argv: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {}): Child {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('empty argv');
  // Own process group so that stop() also reaches grandchildren (ip netns exec -> node).
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  const pid = child.pid;
  let text = '';
  let exitCode: number | null | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    notify();
  });
  child.on('exit', (code) => {
    exitCode = code;
    notify();
  });
  child.on('error', () => {
    exitCode ??= -1;
    notify();
  });

  const wait = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const listener = (): void => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (exitCode !== undefined && what !== 'exit') {
          done();
          reject(new Error(`${argv.join(' ')} exited (${exitCode}) before ${what}; output:\n${text.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${argv.join(' ')}; output:\n${text.slice(-4000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      listeners.add(listener);
      listener();
    });

  return {
    pid,
    output: () => text,
    waitFor: (pattern, timeoutMs) => wait(() => pattern.exec(text) ?? undefined, timeoutMs, String(pattern)),
    exited: (timeoutMs) => wait(() => (exitCode === undefined ? undefined : { code: exitCode }), timeoutMs, 'exit').then((r) => r.code),
    stop: async (graceMs = 3000) => {
      if (exitCode !== undefined) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        return;
      }
      try {
        await wait(() => (exitCode === undefined ? undefined : true), graceMs, 'exit');
      } catch {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await wait(() => (exitCode === undefined ? undefined : true), 5000, 'exit').catch(() => undefined);
      }
    },
  };
}
