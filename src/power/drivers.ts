// The power drivers Bramble knows, by the name users configure (see driver.ts for the interface).
import type { PowerCheck } from '../inventory/machine-input.js';
import type { Machine } from '../store/schema.js';
import { manualDriver, parseManualSettings, type ManualSettings } from './manual.js';
import { POWER_ACTIONS, type DriverMade } from './power-service.js';
import type { PowerAction } from './driver.js';
import { checkPowerSettings, type SettingsParser } from './settings-check.js';
import { parseSshSettings, sshDriver } from './ssh.js';
import type { SshFiles } from './ssh-key.js';
import { wolDriver, type ServingInterface } from './wol.js';
import { parseWolSettings } from './wol-settings.js';
import { createTasmotaDriver, parseTasmotaSettings } from './tasmota.js';
import { createShellyDriver, parseShellySettings } from './shelly.js';
import { createWebhookDriver, parseWebhookSettings } from './webhook.js';

export const settingsParsers: Readonly<Record<string, SettingsParser>> = {
  wol: parseWolSettings,
  tasmota: (input) => parseTasmotaSettings(input),
  shelly: (input) => parseShellySettings(input),
  webhook: (input) => parseWebhookSettings(input),
  ssh: parseSshSettings,
  manual: parseManualSettings,
};

export function checkPower(input: unknown): PowerCheck {
  return checkPowerSettings(input, settingsParsers);
}

/** What drivers need from the running server. */
export interface DriverContext {
  readonly serving: ServingInterface;
  readonly ssh: SshFiles;
}

/** The actions the machine's driver declares, in the API's order; null when it has no driver that can be made. */
export function powerCapabilities(machine: Machine, context: DriverContext): PowerAction[] | null {
  if (machine.power === undefined) return null;
  const made = makeDriver(machine, context);
  return made.ok ? POWER_ACTIONS.filter((a) => made.driver.can.has(a)) : null;
}

/** Builds the machine's driver from its stored settings, checked again (the store may predate a rule). */
export function makeDriver(machine: Machine, context: DriverContext): DriverMade {
  const stored = machine.power;
  if (stored === undefined) return { ok: false, message: `machine ${machine.mac} has no power settings` };
  const checked = checkPower(stored);
  if (!checked.ok) return { ok: false, message: `stored power settings are invalid: ${checked.field}: ${checked.error}` };
  const settings = checked.settings;
  try {
    switch (settings.driver) {
      case 'wol': {
        const parsed = parseWolSettings(settings);
        if (!parsed.ok) return { ok: false, message: `${parsed.field}: ${parsed.error}` };
        return { ok: true, driver: wolDriver(parsed.settings, { mac: machine.mac, serving: context.serving }) };
      }
      case 'ssh': {
        const parsed = parseSshSettings(settings);
        if (!parsed.ok) return { ok: false, message: `${parsed.field}: ${parsed.error}` };
        return { ok: true, driver: sshDriver(parsed.settings, context.ssh) };
      }
      case 'tasmota': {
        const parsed = parseTasmotaSettings(settings);
        return parsed.ok ? { ok: true, driver: createTasmotaDriver(parsed.settings) } : { ok: false, message: `${parsed.field}: ${parsed.error}` };
      }
      case 'shelly': {
        const parsed = parseShellySettings(settings);
        return parsed.ok ? { ok: true, driver: createShellyDriver(parsed.settings) } : { ok: false, message: `${parsed.field}: ${parsed.error}` };
      }
      case 'webhook': {
        const parsed = parseWebhookSettings(settings);
        return parsed.ok ? { ok: true, driver: createWebhookDriver(parsed.settings) } : { ok: false, message: `${parsed.field}: ${parsed.error}` };
      }
      case 'manual':
        return { ok: true, driver: manualDriver(settings as unknown as ManualSettings) };
      default:
        return { ok: false, message: `no driver named ${settings.driver}` };
    }
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
