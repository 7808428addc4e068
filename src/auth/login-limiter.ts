// Login attempt limiting (OWASP authentication guidance): failures per client address in a sliding window; pure.
//
// Only failures count, so a user who types the password right is never slowed down; a guesser gets
// MAX_FAILURES tries per WINDOW_MS from one address and then waits until the oldest failure leaves the window.

export const MAX_FAILURES = 5;
export const WINDOW_MS = 60_000;
/** Addresses remembered at most; past this the oldest are forgotten (bounded memory under a spray of sources). */
export const MAX_TRACKED = 10_000;

export type LoginGate = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();

  check(address: string, now: number): LoginGate {
    const recent = this.#recent(address, now);
    if (recent.length < MAX_FAILURES) return { allowed: true };
    return { allowed: false, retryAfterMs: recent[0]! + WINDOW_MS - now };
  }

  fail(address: string, now: number): void {
    const recent = this.#recent(address, now);
    recent.push(now);
    this.#failures.delete(address); // re-insert: Map order is then oldest activity first
    this.#failures.set(address, recent);
    if (this.#failures.size > MAX_TRACKED) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeed(address: string): void {
    this.#failures.delete(address);
  }

  #recent(address: string, now: number): number[] {
    return (this.#failures.get(address) ?? []).filter((at) => now - at < WINDOW_MS);
  }
}
