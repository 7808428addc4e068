// `machine power-setup --set key=value` flags turned into the power settings sent to the API; pure but for the
// file reads that resolveSetValues is handed.
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

/**
 * Values given as `@FILE` are read from that file (`@-`: from standard input), one trailing newline dropped, so
 * that a plug's password need not appear in the process list; `@@...` stands for a value beginning with "@".
 * `read` gets the path ('-' for standard input) and throws when it cannot.
 */
export async function resolveSetValues(sets: ReadonlyMap<string, string | null>, read: (path: string) => Promise<string>): Promise<SetArgs> {
  const resolved = new Map<string, string | null>();
  for (const [key, value] of sets) {
    if (value === null || !value.startsWith('@')) {
      resolved.set(key, value);
      continue;
    }
    if (value.startsWith('@@')) {
      resolved.set(key, value.slice(1));
      continue;
    }
    const path = value.slice(1);
    if (path === '') return { ok: false, message: `--set ${key}=@: a file name (or - for standard input) must follow @` };
    let text: string;
    try {
      text = await read(path);
    } catch (error) {
      return { ok: false, message: `--set ${key}=@${path}: cannot read it: ${(error as Error).message}` };
    }
    const trimmed = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
    if (trimmed === '') return { ok: false, message: `--set ${key}=@${path}: it is empty (--set ${key}= removes the setting)` };
    resolved.set(key, trimmed);
  }
  return { ok: true, sets: resolved };
}

/** Keys whose values are secrets: given inline, they show in the process list to every user of the machine. */
export function inlineSecrets(pairs: readonly string[]): string[] {
  return pairs.flatMap((pair) => {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    return at > 0 && /pass|secret|token/i.test(key) && value !== '' && !(value.startsWith('@') && !value.startsWith('@@')) ? [key] : [];
  });
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
