// The power drivers Bramble knows, by the name users configure (see driver.ts for the interface).
import { parseManualSettings } from './manual.js';
import { checkPowerSettings, type SettingsParser } from './settings-check.js';
import type { PowerCheck } from '../inventory/machine-input.js';

export const settingsParsers: Readonly<Record<string, SettingsParser>> = {
  manual: parseManualSettings,
};

export function checkPower(input: unknown): PowerCheck {
  return checkPowerSettings(input, settingsParsers);
}
