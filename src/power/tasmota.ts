// Tasmota smart plugs over HTTP (Tasmota docs, "Commands" sent as web requests): GET /cm?cmnd=Power%20On -> {"POWER":"ON"}.
import type { PowerAction, PowerDriver, PowerResult } from './driver.js';
import { endpoint, failure, httpCall, jsonObject, quoteAnswer, type HttpCall, type HttpFailure } from './http-call.js';
import { readSettings, type SettingsCheck } from './settings-reader.js';

export interface TasmotaSettings {
  /** The plug's address, e.g. http://192.168.1.50. */
  readonly url: string;
  /** Tasmota's web user is always "admin"; only its password (command WebPassword) is configurable. */
  readonly user: string;
  readonly password?: string;
  /** Which output of a multi-relay device (Power<n>); without it, the first ("Power"). */
  readonly relay?: number;
  readonly cycleOffSeconds: number;
  readonly timeoutSeconds: number;
}

const keys = ['url', 'user', 'password', 'relay', 'cycleOffSeconds', 'timeoutSeconds'];

export function parseTasmotaSettings(input: unknown, at = 'power'): SettingsCheck<TasmotaSettings> {
  return readSettings(input, at, 'tasmota', keys, (r) => {
    const url = r.url('url', { query: false });
    const user = r.text('user');
    const password = r.secret('password');
    // The default user is stored with the settings, so it must read back without a password (settings are re-checked).
    if (user !== undefined && user !== 'admin' && password === undefined) r.fail('password', 'is required when a user is given');
    // Tasmota numbers its outputs Power1..Power32.
    const relay = r.optionalInteger('relay', 1, 32);
    return {
      url,
      user: user ?? 'admin',
      ...(password === undefined ? {} : { password }),
      ...(relay === undefined ? {} : { relay }),
      cycleOffSeconds: r.cycleOffSeconds(),
      timeoutSeconds: r.timeoutSeconds(),
    };
  });
}

export function createTasmotaDriver(settings: TasmotaSettings): PowerDriver {
  const power = `Power${settings.relay ?? ''}`;
  // A single-relay device answers POWER even to Power1, a multi-relay one POWER<n> (and POWER1 for the first).
  const stateKeys = settings.relay === undefined || settings.relay === 1 ? ['POWER', 'POWER1'] : [`POWER${settings.relay}`];
  const label = `Tasmota at ${new URL(settings.url).origin}`;
  const secrets = settings.password === undefined ? [] : [settings.password];
  const credentials =
    settings.password === undefined ? '' : `user=${encodeURIComponent(settings.user)}&password=${encodeURIComponent(settings.password)}&`;

  const command = async (cmnd: string, signal: AbortSignal): Promise<{ readonly ok: true; readonly value: Readonly<Record<string, unknown>> } | HttpFailure> => {
    const call: HttpCall = {
      method: 'GET',
      url: endpoint(settings.url, '/cm', `${credentials}cmnd=${encodeURIComponent(cmnd)}`),
      label,
      timeoutMs: settings.timeoutSeconds * 1000,
      secrets,
      authHint:
        settings.password === undefined
          ? 'the plug has a web password: set it in the password setting'
          : 'check the password setting (the user is "admin" unless changed)',
    };
    const answer = await httpCall(call, signal);
    if (!answer.ok) return answer;
    const json = jsonObject(answer, call);
    if (!json.ok) return json;
    if (json.value['Command'] === 'Unknown') {
      return failure('BAD_RESPONSE', `${label}: does not know the command "${cmnd}"`);
    }
    return json;
  };

  const switchTo = async (cmnd: string, signal: AbortSignal): Promise<PowerResult> => {
    const answer = await command(cmnd, signal);
    if (!answer.ok) return answer;
    const record = answer.value;
    const key = stateKeys.find((k) => record[k] !== undefined);
    const reported = key === undefined ? undefined : record[key];
    if (reported !== 'ON' && reported !== 'OFF') {
      return failure('BAD_RESPONSE', `${label}: answered ${quoteAnswer(JSON.stringify(record), secrets)} without ${stateKeys.join(' or ')} ON/OFF`);
    }
    return { ok: true, state: reported === 'ON' ? 'on' : 'off', detail: `${label}: ${cmnd} -> ${key}=${reported}` };
  };

  const run = async (action: PowerAction, signal: AbortSignal): Promise<PowerResult> => {
    switch (action) {
      case 'on':
        return switchTo(`${power} On`, signal);
      case 'off':
        return switchTo(`${power} Off`, signal);
      case 'status':
        return switchTo(power, signal);
      case 'cycle': {
        // The plug runs the whole sequence itself (Delay counts tenths of a second), so a dropped connection after
        // "off" cannot leave the machine without power. Tasmota answers a Backlog over HTTP with {} (no state).
        const cmnd = `Backlog ${power} Off; Delay ${settings.cycleOffSeconds * 10}; ${power} On`;
        const answer = await command(cmnd, signal);
        if (!answer.ok) return answer;
        return {
          ok: true,
          state: 'unknown',
          detail: `${label}: ${cmnd} accepted; the plug switches back on after ${settings.cycleOffSeconds} s`,
        };
      }
    }
  };

  return { kind: 'tasmota', can: new Set<PowerAction>(['on', 'off', 'cycle', 'status']), run };
}
