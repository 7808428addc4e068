// HTTP downloads with curl to /dev/null, timed by the harness from spawn to exit and checked for status 200 and
// the full body, so that an error page cannot count as a fast transfer.
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';

export function curlArgv(url: string): string[] {
  return ['curl', '--silent', '--show-error', '--output', '/dev/null', '--write-out', '%{http_code} %{size_download}', url];
}

/** Returns the wall time in ms of one complete download. */
export async function curlGet(url: string, expectedBytes: number): Promise<number> {
  const outcome = await runCommand(curlArgv(url), { timeoutMs: 300_000 });
  const [status, size] = outcome.stdout.trim().split(' ');
  if (outcome.code !== 0 || status !== '200' || Number(size) !== expectedBytes) {
    throw new BenchError(
      'TRANSFER_FAILED',
      `curl ${url}: exit ${String(outcome.code)}, status ${String(status)}, ${String(size)} of ${expectedBytes} bytes ${outcome.stderr.trim()}`,
    );
  }
  return outcome.ms;
}

/** `clients` downloads started together; returns the wall time until the last one finished. */
export async function curlParallel(url: string, expectedBytes: number, clients: number): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, () => curlGet(url, expectedBytes)));
  return Number(process.hrtime.bigint() - started) / 1e6;
}
