// Applies "dotted.key": value changes to the stored settings, validating each key (pure; table tested).
import type { Settings } from '../store/schema.js';

export type SettingsPatchResult =
  | { readonly ok: true; readonly settings: Settings }
  | { readonly ok: false; readonly key: string; readonly error: string };

type Rule = (value: unknown) => { ok: true; value: unknown } | { ok: false; error: string };

const rules: Readonly<Record<string, Rule>> = {
  'menu.title': (v) => (typeof v === 'string' && v.trim() !== '' && !/[\r\n]/.test(v) ? { ok: true, value: v } : { ok: false, error: 'must be one line of text' }),
  'menu.timeoutSeconds': (v) => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 3600 ? { ok: true, value: n } : { ok: false, error: 'must be a whole number of seconds from 0 to 3600' };
  },
  'menu.defaultEntry': (v) =>
    typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v) ? { ok: true, value: v } : { ok: false, error: "must be a profile name or 'local', 'shell', 'reboot'" },
};

export const settingKeys = Object.keys(rules);

export function applySettingsPatch(settings: Settings, patch: Readonly<Record<string, unknown>>): SettingsPatchResult {
  let next: Settings = settings;
  for (const [key, raw] of Object.entries(patch)) {
    // Own keys only: a JSON body can name `constructor` or `__proto__`, which every object inherits.
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (rule === undefined) return { ok: false, key, error: `unknown setting (known: ${settingKeys.join(', ')})` };
    const checked = rule(raw);
    if (!checked.ok) return { ok: false, key, error: checked.error };
    const [group, field] = key.split('.') as ['menu', string];
    next = { ...next, [group]: { ...next[group], [field]: checked.value } };
  }
  return { ok: true, settings: next };
}
