// Generic webhook power driver as MAAS's "webhook" type: POST on/off URLs, GET a status URL matched by regexes; Basic (RFC 7617) or Bearer (RFC 6750).
import { setTimeout as sleep } from 'node:timers/promises';
import type { PowerAction, PowerDriver, PowerResult } from './driver.js';
import { basicAuthorization, failure, httpCall, quoteAnswer, type HttpCall } from './http-call.js';
import { readSettings, type SettingsCheck } from './settings-reader.js';

export interface WebhookSettings {
  readonly onUrl: string;
  readonly offUrl: string;
  /** Without it the driver cannot report a state and declares no 'status'. */
  readonly statusUrl?: string;
  /** Regular expressions for the status URL's body; both are required with statusUrl. */
  readonly onPattern?: string;
  readonly offPattern?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly cycleOffSeconds: number;
  readonly timeoutSeconds: number;
}

const keys = ['onUrl', 'offUrl', 'statusUrl', 'onPattern', 'offPattern', 'user', 'password', 'token', 'cycleOffSeconds', 'timeoutSeconds'];

export function parseWebhookSettings(input: unknown, at = 'power'): SettingsCheck<WebhookSettings> {
  return readSettings(input, at, 'webhook', keys, (r) => {
    const onUrl = r.url('onUrl', { query: true });
    const offUrl = r.url('offUrl', { query: true });
    const statusUrl = r.optionalUrl('statusUrl', { query: true });
    const onPattern = r.pattern('onPattern');
    const offPattern = r.pattern('offPattern');
    if (statusUrl === undefined) {
      if (onPattern !== undefined) r.fail('onPattern', 'is only used with statusUrl');
      if (offPattern !== undefined) r.fail('offPattern', 'is only used with statusUrl');
    } else {
      if (onPattern === undefined) r.fail('onPattern', 'is required with statusUrl: a regular expression matching its answer when on');
      if (offPattern === undefined) r.fail('offPattern', 'is required with statusUrl: a regular expression matching its answer when off');
    }
    const user = r.text('user');
    const password = r.secret('password');
    const token = r.secret('token');
    // RFC 7617 §2: a Basic user-id cannot contain a colon.
    if (user !== undefined && user.includes(':')) r.fail('user', 'must not contain ":"');
    if (user !== undefined && password === undefined) r.fail('password', 'is required when a user is given');
    if (password !== undefined && user === undefined) r.fail('user', 'is required when a password is given');
    // RFC 6750 §2.1: a Bearer token is visible ASCII, which is also all a header can carry as is.
    if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) r.fail('token', 'must be printable ASCII without spaces');
    if (token !== undefined && user !== undefined) r.fail('token', 'give either a Bearer token or a user and password, not both');
    return {
      onUrl,
      offUrl,
      ...(statusUrl === undefined ? {} : { statusUrl, onPattern, offPattern }),
      ...(user === undefined ? {} : { user, password }),
      ...(token === undefined ? {} : { token }),
      // Bramble waits out the gap itself, and off + gap + on must fit in the power service's deadline (20 s).
      cycleOffSeconds: r.cycleOffSeconds(10),
      timeoutSeconds: r.timeoutSeconds(),
    };
  });
}

export function createWebhookDriver(settings: WebhookSettings): PowerDriver {
  const secrets = [settings.password, settings.token].filter((s): s is string => s !== undefined);
  const authorization =
    settings.token !== undefined
      ? `Bearer ${settings.token}`
      : settings.user !== undefined && settings.password !== undefined
        ? basicAuthorization(settings.user, settings.password)
        : undefined;
  // Only the origin goes into messages: a webhook's path or query often is the secret (e.g. Home Assistant's id).
  const call = (method: HttpCall['method'], which: string, url: string): HttpCall => ({
    method,
    url: new URL(url),
    label: `webhook ${which} URL at ${new URL(url).origin}`,
    timeoutMs: settings.timeoutSeconds * 1000,
    secrets,
    authHint: authorization === undefined ? 'set user and password, or token' : 'check the user and password, or token',
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  });

  const post = async (which: 'on' | 'off', signal: AbortSignal): Promise<PowerResult> => {
    const request = call('POST', which, which === 'on' ? settings.onUrl : settings.offUrl);
    const answer = await httpCall(request, signal);
    if (!answer.ok) return answer;
    // A webhook's answer has no agreed shape, so it says nothing about the state.
    return { ok: true, state: 'unknown', detail: `${request.label}: POST -> HTTP ${answer.status}` };
  };

  // parseWebhookSettings has checked that both compile and are given with statusUrl.
  const onPattern = new RegExp(settings.onPattern ?? '');
  const offPattern = new RegExp(settings.offPattern ?? '');
  const status = async (statusUrl: string, signal: AbortSignal): Promise<PowerResult> => {
    const request = call('GET', 'status', statusUrl);
    const answer = await httpCall(request, signal);
    if (!answer.ok) return answer;
    const on = onPattern.test(answer.body);
    const off = offPattern.test(answer.body);
    if (on === off) {
      const why = on ? 'matches both onPattern and offPattern' : 'matches neither onPattern nor offPattern';
      return failure('BAD_RESPONSE', `${request.label}: answer ${why}: ${quoteAnswer(answer.body, secrets)}`);
    }
    return { ok: true, state: on ? 'on' : 'off', detail: `${request.label}: GET -> matches ${on ? 'onPattern' : 'offPattern'}` };
  };

  const cycle = async (signal: AbortSignal): Promise<PowerResult> => {
    const off = await post('off', signal);
    if (!off.ok) return off;
    try {
      await sleep(settings.cycleOffSeconds * 1000, undefined, { signal });
    } catch {
      return failure('TIMEOUT', `switched off, but the power action's time ran out before switching back on (after ${settings.cycleOffSeconds} s)`);
    }
    const on = await post('on', signal);
    if (!on.ok) return { ...on, message: `switched off, but switching back on failed: ${on.message}` };
    return { ok: true, state: 'unknown', detail: `${off.detail}; ${settings.cycleOffSeconds} s later ${on.detail}` };
  };

  const statusUrl = settings.statusUrl;
  const can = new Set<PowerAction>(statusUrl === undefined ? ['on', 'off', 'cycle'] : ['on', 'off', 'cycle', 'status']);
  const run = async (action: PowerAction, signal: AbortSignal): Promise<PowerResult> => {
    switch (action) {
      case 'on':
      case 'off':
        return post(action, signal);
      case 'cycle':
        return cycle(signal);
      case 'status':
        if (statusUrl === undefined) return failure('UNSUPPORTED', 'this webhook has no statusUrl, so it cannot report a state');
        return status(statusUrl, signal);
    }
  };
  return { kind: 'webhook', can, run };
}
