// Validation of a machine's power settings: each driver parses its own; this picks the parser by `driver`.

export type SettingsCheck<T> = { readonly ok: true; readonly settings: T } | { readonly ok: false; readonly field: string; readonly error: string };

export type SettingsParser = (input: unknown) => SettingsCheck<object>;

/** `{ driver, ...settings }` checked by that driver's parser; errors name the field from "power" down. */
export function checkPowerSettings(input: unknown, parsers: Readonly<Record<string, SettingsParser>>): SettingsCheck<{ readonly driver: string; readonly [k: string]: unknown }> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, field: 'power', error: 'must be an object with a driver' };
  const driver = (input as Record<string, unknown>).driver;
  const parser = typeof driver === 'string' && Object.hasOwn(parsers, driver) ? parsers[driver] : undefined;
  if (parser === undefined) return { ok: false, field: 'power.driver', error: `must be one of ${Object.keys(parsers).join(', ')}` };
  const checked = parser(input);
  if (!checked.ok) return { ok: false, field: checked.field.startsWith('power') ? checked.field : `power.${checked.field}`, error: checked.error };
  return { ok: true, settings: { ...(checked.settings as Record<string, unknown>), driver: driver as string } };
}
