// Shelly relays over HTTP: Gen1 API (GET /relay/<n>?turn=..., Basic auth) and Gen2+ RPC (GET /rpc/Switch.Set, Digest SHA-256 auth).
import { randomBytes } from 'node:crypto';
import { digestAuthorization, parseDigestChallenge } from './digest-auth.js';
import type { PowerAction, PowerDriver, PowerResult } from './driver.js';
import { basicAuthorization, endpoint, failure, httpCall, jsonObject, quoteAnswer, type HttpCall, type HttpFailure } from './http-call.js';
import { readSettings, type SettingsCheck } from './settings-reader.js';

interface ShellyCommon {
  /** The device's address, e.g. http://192.168.1.51. */
  readonly url: string;
  /** Which relay: Gen1 /relay/<channel>, Gen2 Switch id. */
  readonly channel: number;
  readonly password?: string;
  readonly cycleOffSeconds: number;
  readonly timeoutSeconds: number;
}

/** Shelly 1, 1PM, Plug S and the rest of the first generation. */
export interface ShellyGen1Settings extends ShellyCommon {
  readonly generation: 1;
  readonly user: string;
}

/** Plus, Pro, Gen3 and later: the RPC API, whose only user is "admin". */
export interface ShellyGen2Settings extends ShellyCommon {
  readonly generation: 2;
}

export type ShellySettings = ShellyGen1Settings | ShellyGen2Settings;

type JsonResult = { readonly ok: true; readonly value: Readonly<Record<string, unknown>> } | HttpFailure;

const keys = ['url', 'generation', 'channel', 'user', 'password', 'cycleOffSeconds', 'timeoutSeconds'];
const gen2User = 'admin';

export function parseShellySettings(input: unknown, at = 'power'): SettingsCheck<ShellySettings> {
  return readSettings(input, at, 'shelly', keys, (r): ShellySettings => {
    const url = r.url('url', { query: false });
    const generations = '1 (Shelly 1, 1PM, Plug S…) or 2 (Plus, Pro, Gen3 and later)';
    const generation = r.optionalInteger('generation', 1, 2, `must be ${generations}`) ?? r.fail('generation', `is required: ${generations}`);
    const user = r.text('user');
    const password = r.secret('password');
    const common = {
      url,
      channel: r.integer('channel', 0, 15, 0),
      ...(password === undefined ? {} : { password }),
      cycleOffSeconds: r.cycleOffSeconds(),
      timeoutSeconds: r.timeoutSeconds(),
    };
    if (generation === 2) {
      if (user !== undefined && user !== gen2User) r.fail('user', `Shelly Gen2 and later always use the user "${gen2User}"`);
      return { generation, ...common };
    }
    // RFC 7617 §2: a Basic user-id cannot contain a colon.
    if (user !== undefined && user.includes(':')) r.fail('user', 'must not contain ":"');
    // The default user is stored with the settings, so it must read back without a password (settings are re-checked).
    if (user !== undefined && user !== 'admin' && password === undefined) r.fail('password', 'is required when a user is given');
    return { generation: 1, user: user ?? 'admin', ...common };
  });
}

export function createShellyDriver(settings: ShellySettings): PowerDriver {
  const run = settings.generation === 1 ? gen1(settings) : gen2(settings);
  return { kind: 'shelly', can: new Set<PowerAction>(['on', 'off', 'cycle', 'status']), run };
}

function baseCall(settings: ShellySettings, url: URL, generation: string): HttpCall {
  return {
    method: 'GET',
    url,
    label: `Shelly ${generation} at ${new URL(settings.url).origin}`,
    timeoutMs: settings.timeoutSeconds * 1000,
    secrets: settings.password === undefined ? [] : [settings.password],
    authHint:
      settings.password === undefined
        ? 'the device is password-protected: set the password setting'
        : 'check the user and password settings',
  };
}

async function jsonCall(call: HttpCall, signal: AbortSignal): Promise<JsonResult> {
  const answer = await httpCall(call, signal);
  return answer.ok ? jsonObject(answer, call) : answer;
}

function booleanField(answer: JsonResult, field: string, call: HttpCall): { readonly ok: true; readonly on: boolean } | HttpFailure {
  if (!answer.ok) return answer;
  const value = answer.value[field];
  if (typeof value !== 'boolean') {
    return failure('BAD_RESPONSE', `${call.label}: answer has no boolean "${field}": ${quoteAnswer(JSON.stringify(answer.value), call.secrets)}`);
  }
  return { ok: true, on: value };
}

// Gen1 answers every /relay/<n> request with the relay's status, so the state after an action is the device's own word.
function gen1(settings: ShellyGen1Settings): (action: PowerAction, signal: AbortSignal) => Promise<PowerResult> {
  const path = `/relay/${settings.channel}`;
  const headers = settings.password === undefined ? undefined : { authorization: basicAuthorization(settings.user, settings.password) };
  return async (action, signal) => {
    const query = {
      on: 'turn=on',
      off: 'turn=off',
      // The flip-back timer turns the relay on again by itself after the given seconds.
      cycle: `turn=off&timer=${settings.cycleOffSeconds}`,
      status: '',
    }[action];
    const call: HttpCall = { ...baseCall(settings, endpoint(settings.url, path, query), 'Gen1'), ...(headers === undefined ? {} : { headers }) };
    const ison = booleanField(await jsonCall(call, signal), 'ison', call);
    if (!ison.ok) return ison;
    const request = query === '' ? path : `${path}?${query}`;
    const timer = action === 'cycle' ? `; the device's timer switches it on after ${settings.cycleOffSeconds} s` : '';
    return { ok: true, state: ison.on ? 'on' : 'off', detail: `${call.label}: ${request} -> ison=${ison.on}${timer}` };
  };
}

// Gen2 RPC: Switch.Set answers only {"was_on": …}, so after a successful Set the state is the one we set.
function gen2(settings: ShellyGen2Settings): (action: PowerAction, signal: AbortSignal) => Promise<PowerResult> {
  const id = settings.channel;
  return async (action, signal) => {
    const calls: Readonly<Record<PowerAction, readonly [method: string, query: string]>> = {
      on: ['Switch.Set', `id=${id}&on=true`],
      off: ['Switch.Set', `id=${id}&on=false`],
      // toggle_after flips the switch back (on) after the given seconds, on the device.
      cycle: ['Switch.Set', `id=${id}&on=false&toggle_after=${settings.cycleOffSeconds}`],
      status: ['Switch.GetStatus', `id=${id}`],
    };
    const [method, query] = calls[action];
    const request = `${method}?${query}`;
    const call = baseCall(settings, endpoint(settings.url, `/rpc/${method}`, query), 'Gen2');
    const answer = await rpcWithDigest(call, settings.password, signal);
    if (action === 'status') {
      const output = booleanField(answer, 'output', call);
      if (!output.ok) return output;
      return { ok: true, state: output.on ? 'on' : 'off', detail: `${call.label}: ${request} -> output=${output.on}` };
    }
    const wasOn = booleanField(answer, 'was_on', call);
    if (!wasOn.ok) return wasOn;
    const timer = action === 'cycle' ? `; the device switches it back on after ${settings.cycleOffSeconds} s` : '';
    return { ok: true, state: action === 'on' ? 'on' : 'off', detail: `${call.label}: ${request} -> was_on=${wasOn.on}${timer}` };
  };
}

/** Sends the call; a 401 with a Digest challenge is answered once with the password (Shelly Gen2 API docs, "Authentication"). */
async function rpcWithDigest(call: HttpCall, password: string | undefined, signal: AbortSignal): Promise<JsonResult> {
  const first = await jsonCall({ ...call, wantChallenge: true }, signal);
  if (first.ok || first.code !== 'AUTH_FAILED' || first.challenge === undefined) return first;
  if (password === undefined) return failure('AUTH_FAILED', `${call.label}: the device is password-protected: set the password setting`);
  const parsed = parseDigestChallenge(first.challenge);
  if (!parsed.ok) return failure('AUTH_FAILED', `${call.label}: cannot answer its login challenge: ${parsed.error}`);
  const authorization = digestAuthorization(parsed.challenge, {
    username: gen2User,
    password,
    method: call.method,
    uri: `${call.url.pathname}${call.url.search}`,
    cnonce: randomBytes(16).toString('hex'),
    nc: 1,
  });
  const second = await jsonCall({ ...call, headers: { ...call.headers, authorization } }, signal);
  if (!second.ok && second.code === 'AUTH_FAILED') {
    return failure('AUTH_FAILED', `${call.label}: refused the password (HTTP Digest, user "${gen2User}"); check the password setting`);
  }
  return second;
}
