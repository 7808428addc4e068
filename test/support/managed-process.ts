// A long-running child (server, VM) in its own process group: collects output by line, waits for a line that
// matches, and on stop kills the whole group so that nothing a test started outlives it.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { WriteStream } from 'node:fs';
import { HarnessError } from './harness-error.js';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Names the process in error messages. */
  readonly label: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Every byte of stdout and stderr is also appended here, for looking at a failed run afterwards. */
  readonly logFile?: string;
}

export interface ManagedProcess {
  readonly label: string;
  readonly pid: number;
  /** stdout and stderr interleaved as they arrived. */
  output(): string;
  /** The same, byte for byte (for saving a serial console capture). */
  outputBytes(): Buffer;
  tail(lines?: number): string;
  /** Resolves with the first line (old or new) that matches; rejects on timeout or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  waitForExit(timeoutMs: number): Promise<ExitStatus>;
  exitStatus(): ExitStatus | undefined;
  write(text: string): void;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves once the child has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

interface Waiter {
  readonly pattern: RegExp;
  readonly resolve: (match: RegExpExecArray) => void;
  readonly reject: (error: Error) => void;
}

export function startProcess(argv: readonly string[], options: StartOptions): ManagedProcess {
  const [file, ...args] = argv;
  if (file === undefined) throw new HarnessError('COMMAND_FAILED', `${options.label}: empty command`);
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    // Own process group: stop() signals -pid, which also reaches grandchildren (ip netns exec, shells).
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new HarnessError('COMMAND_FAILED', `${options.label}: could not start ${file}`);

  const log: WriteStream | undefined = options.logFile === undefined ? undefined : createWriteStream(options.logFile);
  const chunks: Buffer[] = [];
  const lines: string[] = [];
  let waiters: Waiter[] = [];
  let status: ExitStatus | undefined;
  let spawnError: Error | undefined;

  const deliver = (line: string): void => {
    lines.push(line);
    waiters = waiters.filter((w) => {
      const match = w.pattern.exec(line);
      if (match === null) return true;
      w.resolve(match);
      return false;
    });
  };
  // Per stream: a line or a character split across chunks is held back until its end arrives.
  const flushes: Array<() => void> = [];
  for (const stream of [child.stdout, child.stderr]) {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    stream.on('data', (data: Buffer) => {
      chunks.push(data);
      log?.write(data);
      const parts = (partial + decoder.write(data)).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) deliver(part.replace(/\r+$/, ''));
    });
    flushes.push(() => {
      const rest = partial + decoder.end();
      partial = '';
      if (rest !== '') deliver(rest.replace(/\r+$/, ''));
    });
  }
  // The child may die before reading its stdin; a write to a closed pipe must not crash the test process.
  child.stdin.on('error', () => {});

  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      for (const flush of flushes) flush();
      status = { code, signal };
      log?.end();
      const why = spawnError === undefined ? describe(status) : spawnError.message;
      for (const w of waiters) {
        w.reject(
          new HarnessError(
            'PROCESS_EXITED',
            `${options.label} exited (${why}) before printing ${w.pattern}; last output:\n${tailOf(lines, 40)}`,
          ),
        );
      }
      waiters = [];
      resolve(status);
    });
  });

  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> => {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match !== null) return Promise.resolve(match);
    }
    if (status !== undefined) {
      return Promise.reject(
        new HarnessError(
          'PROCESS_EXITED',
          `${options.label} exited (${describe(status)}) without printing ${pattern}; last output:\n${tailOf(lines, 40)}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(
          new HarnessError(
            'WAIT_TIMEOUT',
            `${options.label} printed no line matching ${pattern} within ${timeoutMs} ms; last output:\n${tailOf(lines, 40)}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      waiters.push(waiter);
    });
  };

  const waitForExit = async (timeoutMs: number): Promise<ExitStatus> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HarnessError('WAIT_TIMEOUT', `${options.label} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  };

  const stop = async (graceMs = 5_000): Promise<ExitStatus> => {
    if (status !== undefined) {
      // The leader is gone, but a grandchild it left behind may still hold the group.
      signalGroup('SIGKILL');
      return status;
    }
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
      signalGroup('SIGKILL');
    }
  };

  return {
    label: options.label,
    pid,
    output: () => Buffer.concat(chunks).toString('utf8'),
    outputBytes: () => Buffer.concat(chunks),
    tail: (n = 40) => tailOf(lines, n),
    waitFor,
    waitForExit,
    exitStatus: () => status,
    write: (text) => {
      if (status === undefined) child.stdin.write(text);
    },
    stop,
  };
}

function describe(status: ExitStatus): string {
  return status.signal !== null ? `signal ${status.signal}` : `code ${status.code}`;
}

function tailOf(lines: readonly string[], n: number): string {
  return lines.slice(-n).join('\n');
}
