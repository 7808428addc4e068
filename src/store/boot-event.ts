// One boot event (a step of a machine's boot timeline) and its JSON Lines form (jsonlines.org), checked field by field.
import { normalizeMac } from '../net/mac.js';

export const BOOT_STAGES = ['dhcp', 'tftp', 'script', 'kernel', 'initrd', 'asset', 'root', 'power', 'note'] as const;
export type BootStage = (typeof BOOT_STAGES)[number];

export type BootEventFields = Readonly<Record<string, string | number | boolean>>;

export interface BootEvent {
  readonly time: string;
  readonly mac: string;
  readonly stage: BootStage;
  readonly detail: string;
  readonly fields?: BootEventFields;
}

export type CheckedBootEvent = { readonly ok: true; readonly event: BootEvent } | { readonly ok: false; readonly reason: string };

const stages: ReadonlySet<string> = new Set(BOOT_STAGES);

/**
 * A frozen copy of `value` holding only the known fields, with the MAC in Bramble's normal form; or the reason
 * it is not a boot event. Used both on append() input and on lines read back from disk.
 */
export function checkBootEvent(value: unknown): CheckedBootEvent {
  if (value === null || typeof value !== 'object') return { ok: false, reason: 'not an object' };
  const { time, mac, stage, detail, fields } = value as Record<string, unknown>;
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return { ok: false, reason: 'bad time' };
  const normalMac = typeof mac === 'string' ? normalizeMac(mac) : null;
  if (normalMac === null) return { ok: false, reason: 'bad mac' };
  if (typeof stage !== 'string' || !stages.has(stage)) return { ok: false, reason: 'bad stage' };
  if (typeof detail !== 'string') return { ok: false, reason: 'bad detail' };
  const base = { time, mac: normalMac, stage: stage as BootStage, detail };
  if (fields === undefined) return { ok: true, event: Object.freeze(base) };
  const checkedFields = checkFields(fields);
  if (checkedFields === null) return { ok: false, reason: 'bad fields' };
  return { ok: true, event: Object.freeze({ ...base, fields: checkedFields }) };
}

function checkFields(fields: unknown): BootEventFields | null {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return null;
  const copy: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(fields)) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) return null;
    copy[key] = value;
  }
  return Object.freeze(copy);
}

export function encodeBootEventLine(event: BootEvent): string {
  return JSON.stringify(event) + '\n';
}

export function decodeBootEventLine(line: string): CheckedBootEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  return checkBootEvent(value);
}
