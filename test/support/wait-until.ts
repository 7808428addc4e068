// Polls an async condition until it holds or a deadline passes; for readiness checks that print nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from './harness-error.js';

export interface WaitUntilOptions {
  /** Names the condition in the timeout error. */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/** Resolves with the first truthy value `check` returns; a throwing check counts as "not yet". */
export async function waitUntil<T>(check: () => Promise<T | undefined | false>, options: WaitUntilOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new HarnessError('WAIT_TIMEOUT', `timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}`, {
        cause: lastError,
      });
    }
    await sleep(options.intervalMs ?? 200);
  }
}
