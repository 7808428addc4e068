// REST API v1 power: run an action on a machine, wake any MAC, and show Bramble's SSH public key.
import { Hono } from 'hono';
import { normalizeMac } from '../net/mac.js';
import type { PowerAction, PowerResult } from '../power/driver.js';
import { POWER_ACTIONS, type PowerService } from '../power/power-service.js';
import { parseWolSettings, type WolSettings } from '../power/wol-settings.js';
import type { ApiEnv } from './guard.js';
import { jsonObject, problem } from './problem.js';

export interface PowerRoutesDeps {
  /** Null when no server runs (the CLI in-process): power needs the serving interface and the drivers. */
  readonly power: PowerService | null;
  /** Sends a magic packet for a MAC that need not be known. */
  readonly wake: ((mac: string, settings: WolSettings) => Promise<PowerResult>) | null;
  readonly sshPublicKey: (() => Promise<string>) | null;
}

const failureStatus = { TIMEOUT: 504, UNREACHABLE: 502, AUTH_FAILED: 502, BAD_RESPONSE: 502, UNSUPPORTED: 409 } as const;

export function powerRoutes(deps: PowerRoutesDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const noServer = () => problem(409, 'NO_SERVER', 'power actions need the running server (bramble serve)');
  const answer = (result: PowerResult) =>
    result.ok ? Response.json(result) : problem(failureStatus[result.code], result.code, result.message);

  app.post('/machines/:mac/power', async (c) => {
    if (deps.power === null) return noServer();
    const mac = normalizeMac(c.req.param('mac'));
    if (mac === null) return problem(400, 'BAD_MAC', `"${c.req.param('mac')}" is not a MAC address`);
    const input = await jsonObject(c.req.raw);
    const action = input?.action;
    if (typeof action !== 'string' || !(POWER_ACTIONS as readonly string[]).includes(action)) {
      return problem(400, 'INVALID_ACTION', `action: must be one of ${POWER_ACTIONS.join(', ')}`, 'action');
    }
    const p = c.get('principal');
    const outcome = await deps.power.run(mac, action as PowerAction, `${p.user} (${p.via})`);
    switch (outcome.kind) {
      case 'no-machine':
        return problem(404, 'NO_SUCH_MACHINE', `no machine ${mac}`);
      case 'no-power':
        return problem(409, 'NO_POWER_SETTINGS', outcome.message);
      case 'unsupported':
        return problem(409, 'UNSUPPORTED', `the ${outcome.driver} driver cannot ${action} (it can: ${outcome.can.join(', ') || 'nothing'})`, 'action');
      case 'done':
        return answer(outcome.result);
    }
  });

  app.post('/wake', async (c) => {
    if (deps.wake === null || deps.power === null) return noServer();
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected {"mac": ...}');
    const { mac: rawMac, ...settings } = input;
    const mac = typeof rawMac === 'string' ? normalizeMac(rawMac) : null;
    if (mac === null) return problem(400, 'BAD_MAC', `mac: ${JSON.stringify(rawMac)} is not a MAC address`, 'mac');
    const parsed = parseWolSettings({ ...settings, driver: 'wol' });
    if (!parsed.ok) return problem(400, 'INVALID_WAKE', `${parsed.field}: ${parsed.error}`, parsed.field);
    const result = await deps.wake(mac, parsed.settings);
    const p = c.get('principal');
    if (result.ok) deps.power.watchWake(mac, `${p.user} (${p.via})`);
    return answer(result);
  });

  app.get('/power/ssh-key', async (c) => {
    if (deps.sshPublicKey === null) return problem(409, 'NO_SERVER', "Bramble's SSH key is made and shown by the running server (bramble serve)");
    return c.json({ publicKey: await deps.sshPublicKey() });
  });
  return app;
}
