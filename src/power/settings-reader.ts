// Field readers behind the HTTP power drivers' parseXSettings validators; errors name a dotted path, never a value.

import type { SettingsCheck } from './settings-check.js';

export type { SettingsCheck };

class BadField {
  constructor(
    readonly field: string,
    readonly error: string,
  ) {}
}

const controlChars = /[\x00-\x1f\x7f]/;

export class SettingsReader {
  readonly #input: Readonly<Record<string, unknown>>;
  readonly #at: string;

  constructor(input: Readonly<Record<string, unknown>>, at: string) {
    this.#input = input;
    this.#at = at;
  }

  fail(key: string, error: string): never {
    throw new BadField(`${this.#at}.${key}`, error);
  }

  has(key: string): boolean {
    return this.#input[key] !== undefined;
  }

  /**
   * An http(s) URL without credentials; `query` allows a query string (webhooks), devices get a bare address. Its
   * value is not repeated in errors either: a webhook's query may hold a token.
   */
  url(key: string, options: { readonly query: boolean }): string {
    const value = this.#input[key];
    if (value === undefined) this.fail(key, 'is required: an http:// or https:// URL');
    let url: URL;
    try {
      if (typeof value !== 'string') throw new TypeError();
      url = new URL(value);
    } catch {
      return this.fail(key, 'must be an http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') this.fail(key, 'must be an http:// or https:// URL');
    if (url.username !== '' || url.password !== '') {
      this.fail(key, 'must not carry credentials; give them in the user and password settings');
    }
    if (!options.query && (url.search !== '' || url.hash !== '')) {
      this.fail(key, "must be the device's address, e.g. http://192.168.1.50, without a ?query or #fragment");
    }
    return value as string;
  }

  optionalUrl(key: string, options: { readonly query: boolean }): string | undefined {
    return this.has(key) ? this.url(key, options) : undefined;
  }

  /** Optional single-line text such as a user name. */
  text(key: string, maxLength = 128): string | undefined {
    const value = this.#input[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '' || value.length > maxLength || controlChars.test(value)) {
      this.fail(key, `must be text of 1-${maxLength} characters without control characters`);
    }
    return value;
  }

  /** Like text, but the error never describes the value beyond its rules. */
  secret(key: string): string | undefined {
    return this.text(key, 256);
  }

  /** A whole number, as JSON gives it or as the digits of a CLI flag; `error` replaces the generic range message. */
  integer(key: string, min: number, max: number, fallback: number, error?: string): number {
    const value = this.#input[key];
    if (value === undefined) return fallback;
    const n = typeof value === 'string' && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      this.fail(key, error ?? `must be a whole number from ${min} to ${max}`);
    }
    return n;
  }

  optionalInteger(key: string, min: number, max: number, error?: string): number | undefined {
    return this.has(key) ? this.integer(key, min, max, min, error) : undefined;
  }

  /** How long one request may take; a plug on Wi-Fi answers within a second when it answers at all. */
  timeoutSeconds(): number {
    return this.integer('timeoutSeconds', 1, 60, 5);
  }

  /** How long a cycle leaves the machine without power: long enough for its power supply to drain. */
  cycleOffSeconds(max = 300): number {
    return this.integer('cycleOffSeconds', 1, max, 5);
  }

  /** A JavaScript regular expression, checked to compile. */
  pattern(key: string): string | undefined {
    const value = this.text(key, 512);
    if (value === undefined) return undefined;
    try {
      new RegExp(value);
    } catch (error) {
      this.fail(key, `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
    return value;
  }
}

/**
 * Runs `build` over the settings object `input` found at `at` (e.g. "power"). Unknown keys are refused so that a
 * misspelt "pasword" does not go unnoticed; `driver`, when present, must name this one (settings-check.ts passes
 * `{ driver, ...settings }`).
 */
export function readSettings<T>(
  input: unknown,
  at: string,
  driver: string,
  keys: readonly string[],
  build: (reader: SettingsReader) => T,
): SettingsCheck<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: at, error: 'must be an object of settings' };
  }
  const fields = input as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(fields)) {
    if (key !== 'driver' && !keys.includes(key)) {
      return { ok: false, field: `${at}.${key}`, error: `is not a ${driver} setting; known: ${keys.join(', ')}` };
    }
  }
  if (fields['driver'] !== undefined && fields['driver'] !== driver) {
    return { ok: false, field: `${at}.driver`, error: `must be "${driver}" for these settings` };
  }
  try {
    return { ok: true, settings: build(new SettingsReader(fields, at)) };
  } catch (error) {
    if (error instanceof BadField) return { ok: false, field: error.field, error: error.error };
    throw error;
  }
}
