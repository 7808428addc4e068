// Assertions shared by the power driver tests: a driver made from settings that must validate, a result that must
// be a failure, and the table test every parseXSettings validator gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PowerDriver, PowerResult } from '../../../src/power/driver.js';
import type { SettingsCheck } from '../../../src/power/settings-reader.js';

export function driverFrom<T>(parse: (input: unknown) => SettingsCheck<T>, create: (settings: T) => PowerDriver, input: unknown): PowerDriver {
  const parsed = parse(input);
  assert.ok(parsed.ok, `settings should be valid: ${parsed.ok ? '' : `${parsed.field} ${parsed.error}`}`);
  return create(parsed.settings);
}

export function failed(result: PowerResult): Extract<PowerResult, { ok: false }> {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result as Extract<PowerResult, { ok: false }>;
}

export interface SettingsCase {
  readonly name: string;
  readonly input: unknown;
  /** The settings expected, or the field and error a bad input must get. */
  readonly expect: { readonly field: string; readonly error: RegExp } | Readonly<Record<string, unknown>>;
}

export function settingsTable(what: string, parse: (input: unknown) => SettingsCheck<unknown>, cases: readonly SettingsCase[]): void {
  for (const c of cases) {
    test(`${what}: ${c.name}`, () => {
      const parsed = parse(c.input);
      if (c.expect['error'] instanceof RegExp) {
        assert.equal(parsed.ok, false, `expected ${String(c.expect['field'])} to be refused`);
        if (parsed.ok) return;
        assert.equal(parsed.field, c.expect['field']);
        assert.match(parsed.error, c.expect['error']);
      } else {
        assert.deepEqual(parsed, { ok: true, settings: c.expect });
      }
    });
  }
}
