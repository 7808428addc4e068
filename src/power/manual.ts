// The 'manual' power driver: for machines nothing can switch; it tells the user what to do and records that it asked.
import type { PowerAction, PowerDriver } from './driver.js';
import type { SettingsCheck } from './settings-check.js';

export interface ManualSettings {
  readonly driver: 'manual';
  /** Where the switch is, e.g. "power button behind the monitor". */
  readonly instructions?: string;
}

export function parseManualSettings(input: unknown): SettingsCheck<ManualSettings> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, field: 'power', error: 'must be an object' };
  const { instructions, driver, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) return { ok: false, field: `power.${unknown}`, error: 'unknown setting for the manual driver (known: instructions)' };
  if (instructions !== undefined && (typeof instructions !== 'string' || instructions.length > 200 || /[\r\n]/.test(instructions))) {
    return { ok: false, field: 'power.instructions', error: 'must be one line of at most 200 characters' };
  }
  void driver;
  return { ok: true, settings: { driver: 'manual', ...(instructions === undefined ? {} : { instructions }) } };
}

const verbs: Readonly<Record<Exclude<PowerAction, 'status'>, string>> = { on: 'Switch it on', off: 'Switch it off', cycle: 'Switch it off and on again' };

export function manualDriver(settings: ManualSettings): PowerDriver {
  return {
    kind: 'manual',
    can: new Set<PowerAction>(['on', 'off', 'cycle']),
    run: async (action) => {
      if (action === 'status') return { ok: false, code: 'UNSUPPORTED', message: 'the manual driver cannot tell whether a machine is on' };
      const where = settings.instructions === undefined ? '' : `: ${settings.instructions}`;
      return { ok: true, state: 'unknown', detail: `asked the user: ${verbs[action]} by hand${where}` };
    },
  };
}
