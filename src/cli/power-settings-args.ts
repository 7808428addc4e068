// `machine power-setup --set key=value` flags turned into the power settings sent to the API; pure.
//
// Values stay strings: each driver's parser reads digit strings as numbers, so the CLI need not know which
// settings are numbers. Settings of the same driver are kept unless changed, so that fixing one setting does
// not make the user type the plug's password again (the API keeps a secret sent back as its mask).

export const POWER_DRIVERS = ['wol', 'tasmota', 'shelly', 'webhook', 'ssh', 'manual'] as const;

export type SetArgs = { readonly ok: true; readonly sets: ReadonlyMap<string, string | null> } | { readonly ok: false; readonly message: string };

const KEY = /^[A-Za-z][A-Za-z0-9]*$/;

/** `key=value` pairs; `key=` removes that setting. The first "=" splits, so values may hold "=" (URLs do). */
export function parseSetArgs(pairs: readonly string[]): SetArgs {
  const sets = new Map<string, string | null>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    if (at < 0 || !KEY.test(key)) return { ok: false, message: `--set ${JSON.stringify(pair)}: expected key=value, e.g. --set url=http://192.168.1.50` };
    if (key === 'driver') return { ok: false, message: '--set driver=...: give the driver with --driver' };
    if (sets.has(key)) return { ok: false, message: `--set ${key}: given twice` };
    const value = pair.slice(at + 1);
    sets.set(key, value === '' ? null : value);
  }
  return { ok: true, sets };
}

/** The settings to store: the stored ones when the driver stays the same, with the given keys set or removed. */
export function mergePowerSettings(driver: string, stored: Readonly<Record<string, unknown>> | undefined, sets: ReadonlyMap<string, string | null>): Record<string, unknown> {
  const { driver: storedDriver, ...kept } = stored ?? {};
  const settings: Record<string, unknown> = storedDriver === driver ? kept : {};
  for (const [key, value] of sets) {
    if (value === null) delete settings[key];
    else settings[key] = value;
  }
  return { driver, ...settings };
}

/** One line, e.g. "tasmota url=http://192.168.1.50 password=********" (secrets come masked from the API). */
export function powerText(power: Readonly<Record<string, unknown>> | undefined): string {
  if (power === undefined) return 'none';
  const { driver, ...settings } = power;
  return [String(driver), ...Object.entries(settings).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)].join(' ');
}
