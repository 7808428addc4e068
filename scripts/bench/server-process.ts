// A long-running server under test (Bramble or a peer) in its own process group: keeps the tail of its output
// for error messages, and on stop signals the whole group so that nothing it forked outlives the benchmark.
import { spawn } from 'node:child_process';
import { BenchError } from './bench-error.js';

export interface ServerProcess {
  readonly label: string;
  /** The pid of the server itself: `ip netns exec` and nginx -g 'daemon off' exec in place, so /proc/PID is it. */
  readonly pid: number;
  exited(): boolean;
  tail(lines?: number): string;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves once the leader has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  readonly label: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const KEPT_LINES = 200;

export function startServer(argv: readonly string[], options: ServerOptions): ServerProcess {
  const [file, ...args] = argv;
  if (file === undefined) throw new BenchError('COMMAND_FAILED', `${options.label}: empty command`);
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new BenchError('COMMAND_FAILED', `${options.label}: could not start ${file}`);

  const lines: string[] = [];
  let partial = '';
  const onData = (data: Buffer): void => {
    const parts = (partial + data.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error) => lines.push(`spawn error: ${error.message}`));
    child.on('close', (code, signal) => {
      done = true;
      if (partial !== '') lines.push(partial);
      lines.push(`[${options.label} exited: ${signal ?? `code ${String(code)}`}]`);
      resolve();
    });
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  };

  return {
    label: options.label,
    pid,
    exited: () => done,
    tail: (n = 30) => lines.slice(-n).join('\n'),
    stop: async (graceMs = 5_000) => {
      if (!done) signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
        // The leader is gone, but a child it forked (tftpd-hpa serves each client in one) may still hold the group.
        signalGroup('SIGKILL');
      }
    },
  };
}
