// What the API shows of a machine record: everything but the agent token's hash, with power secrets masked.
import type { Machine, PowerSettings } from '../store/schema.js';

/** Shown instead of a stored secret; sending it back in a change keeps the stored value. */
export const SECRET_MASK = '********';
const SECRET_KEYS = /password|token|secret|secureon/i;

export function maskPower(power: PowerSettings): PowerSettings {
  return Object.fromEntries(Object.entries(power).map(([k, v]) => [k, maskValue(k, v)])) as PowerSettings;
}

function maskValue(key: string, value: unknown): unknown {
  if (SECRET_KEYS.test(key) && typeof value === 'string' && value !== '') return SECRET_MASK;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(k, v)]));
  }
  return value;
}

/** Puts stored secrets back where a change sent the mask, so editing other settings does not wipe them. */
export function unmaskPower(next: Readonly<Record<string, unknown>>, stored: PowerSettings | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    const before = stored === undefined ? undefined : (stored as Record<string, unknown>)[key];
    if (value === SECRET_MASK && SECRET_KEYS.test(key)) out[key] = before;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = unmaskPower(value as Record<string, unknown>, (before ?? undefined) as PowerSettings | undefined);
    } else out[key] = value;
  }
  return out;
}

export function machineView(machine: Machine): Record<string, unknown> {
  const { agentTokenHash: _hidden, power, ...shown } = machine;
  return { ...shown, ...(power === undefined ? {} : { power: maskPower(power) }) };
}
