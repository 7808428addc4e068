// Checks a change to a machine record asked through the API or CLI (name, tags, profiles, address, power); pure.
import { isIpv4 } from '../net/ipv4.js';
import type { PowerSettings } from '../store/schema.js';

/** A field set to null is removed from the record; an absent field is left as it is. */
export interface MachinePatch {
  readonly name?: string | null;
  readonly tags?: readonly string[] | null;
  readonly profile?: string | null;
  readonly bootOnce?: string | null;
  readonly reservedAddress?: string | null;
  readonly power?: PowerSettings | null;
}

export type PowerCheck = { readonly ok: true; readonly settings: PowerSettings } | { readonly ok: false; readonly field: string; readonly error: string };

export interface MachineInputContext {
  readonly profiles: ReadonlySet<string>;
  /** Validates `{ driver, ...settings }` with that driver's own rules; field paths start at "power". */
  readonly checkPower: (input: unknown) => PowerCheck;
}

export type MachinePatchResult = { readonly ok: true; readonly patch: MachinePatch } | { readonly ok: false; readonly field: string; readonly error: string };

const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const MAX_TAGS = 32;
const MAX_NAME = 64;
const KNOWN = new Set(['name', 'tags', 'profile', 'bootOnce', 'reservedAddress', 'power']);

export function checkMachinePatch(input: Readonly<Record<string, unknown>>, context: MachineInputContext): MachinePatchResult {
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) return { ok: false, field: key, error: `unknown field (known: ${[...KNOWN].join(', ')})` };
  }
  const patch: { -readonly [K in keyof MachinePatch]: MachinePatch[K] } = {};
  const { name, tags, reservedAddress, power } = input;
  if (name !== undefined) {
    if (name !== null && (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name))) {
      return { ok: false, field: 'name', error: `must be one line of text, 1 to ${MAX_NAME} characters` };
    }
    patch.name = name === null ? null : name.trim();
  }
  if (tags !== undefined) {
    if (tags !== null) {
      if (!Array.isArray(tags) || tags.length > MAX_TAGS) return { ok: false, field: 'tags', error: `must be a list of at most ${MAX_TAGS} tags` };
      const bad = tags.findIndex((t) => typeof t !== 'string' || !TAG.test(t));
      if (bad >= 0) return { ok: false, field: `tags[${bad}]`, error: 'a tag is 1 to 32 letters, digits, ".", "_" or "-", starting with a letter or digit' };
    }
    patch.tags = tags === null ? null : [...new Set(tags as string[])];
  }
  for (const field of ['profile', 'bootOnce'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value !== null && (typeof value !== 'string' || !context.profiles.has(value))) {
      return { ok: false, field, error: `no profile named ${JSON.stringify(value)}` };
    }
    patch[field] = value;
  }
  if (reservedAddress !== undefined) {
    if (reservedAddress !== null && (typeof reservedAddress !== 'string' || !isIpv4(reservedAddress))) {
      return { ok: false, field: 'reservedAddress', error: `${JSON.stringify(reservedAddress)} is not an IPv4 address` };
    }
    patch.reservedAddress = reservedAddress;
  }
  if (power !== undefined) {
    if (power === null) patch.power = null;
    else {
      const checked = context.checkPower(power);
      if (!checked.ok) return checked;
      patch.power = checked.settings;
    }
  }
  return { ok: true, patch };
}
