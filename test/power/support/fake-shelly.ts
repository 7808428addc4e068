// Fake Shelly relays as their API docs describe them. Gen1: GET /relay/<n>[?turn=on|off|toggle[&timer=N]] answering
// the relay's status ({"ison":…,"has_timer":…}), HTTP Basic when login is enabled. Gen2+: GET /rpc/Switch.Set?id&on
// [&toggle_after] -> {"was_on":…}, /rpc/Switch.GetStatus?id -> {"output":…}, HTTP Digest (RFC 7616, SHA-256, user admin,
// realm = device id) with a fresh nonce per challenge and the client's response checked here from the RFC's formulas.
import { createHash, randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { sendJson, startDevice, type FakeDevice, type Received } from './fake-device.js';

export interface FakeShelly extends FakeDevice {
  readonly relays: boolean[];
  /** Every state change in order, e.g. "0 off". */
  readonly changes: string[];
}

export interface FakeShellyGen2 extends FakeShelly {
  readonly realm: string;
  /** Why each Authorization header was refused, in order; empty when all were accepted. */
  readonly refusals: string[];
}

function relayState(t: TestContext, count: number) {
  const relays = new Array<boolean>(count).fill(false);
  const changes: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  t.after(() => timers.forEach(clearTimeout));
  const set = (index: number, on: boolean): void => {
    if (relays[index] === on) return;
    relays[index] = on;
    changes.push(`${index} ${on ? 'on' : 'off'}`);
  };
  // Both generations flip the relay back after the given seconds.
  const flipBackAfter = (index: number, seconds: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      set(index, !relays[index]);
    }, seconds * 1000);
    timers.add(timer);
  };
  return { relays, changes, set, flipBackAfter, timers };
}

export async function startShellyGen1(t: TestContext, options: { user?: string; password?: string; relays?: number } = {}): Promise<FakeShelly> {
  const state = relayState(t, options.relays ?? 1);
  const timerStarted = new Map<number, number>();
  const expected =
    options.password === undefined ? undefined : `Basic ${Buffer.from(`${options.user ?? 'admin'}:${options.password}`).toString('base64')}`;
  const device = await startDevice(t, (req, res) => {
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="shelly1-B929CC"' }).end('401 Unauthorized');
      return;
    }
    const m = /^\/relay\/(\d+)$/.exec(req.path);
    const index = m === null ? -1 : Number(m[1]);
    if (req.method !== 'GET' || index < 0 || index >= state.relays.length) return void res.writeHead(404).end('Not Found');
    const turn = req.query.get('turn');
    const timer = req.query.get('timer');
    if (turn !== null) {
      if (!['on', 'off', 'toggle'].includes(turn)) return void res.writeHead(400).end('Bad turn!');
      state.set(index, turn === 'toggle' ? !state.relays[index] : turn === 'on');
      if (timer !== null && Number(timer) > 0) {
        state.flipBackAfter(index, Number(timer));
        timerStarted.set(index, Number(timer));
      }
    }
    const duration = timerStarted.get(index) ?? 0;
    sendJson(res, 200, {
      ison: state.relays[index],
      has_timer: duration > 0,
      timer_started: duration > 0 ? Math.floor(Date.now() / 1000) : 0,
      timer_duration: duration,
      timer_remaining: duration,
      overpower: false,
      source: 'http',
    });
  });
  return { ...device, relays: state.relays, changes: state.changes };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function authorizationFields(header: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    fields.set(m[1]!, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  }
  return fields;
}

export async function startShellyGen2(t: TestContext, options: { password?: string; relays?: number } = {}): Promise<FakeShellyGen2> {
  const state = relayState(t, options.relays ?? 1);
  const realm = 'shellyplus1-a8032ab12345';
  const nonces = new Map<string, number>(); // nonce -> highest nc seen
  const refusals: string[] = [];

  // Returns why the request is not authorized, or undefined when it is.
  const refuse = (req: Received): string | undefined => {
    if (options.password === undefined) return undefined;
    const header = req.headers.authorization;
    if (header === undefined) return 'no Authorization';
    if (!/^Digest\s/i.test(header)) return 'not Digest';
    const f = authorizationFields(header);
    const nonce = f.get('nonce') ?? '';
    const nc = parseInt(f.get('nc') ?? '', 16);
    const lastNc = nonces.get(nonce);
    if (f.get('username') !== 'admin') return 'wrong username';
    if (f.get('realm') !== realm) return 'wrong realm';
    if (lastNc === undefined) return 'a nonce this device never issued';
    if (!/^[0-9a-f]{8}$/.test(f.get('nc') ?? '') || nc <= lastNc) return 'a replayed nc';
    if (f.get('uri') !== req.target) return `uri ${f.get('uri')} is not the request-target ${req.target}`;
    if (f.get('algorithm') !== 'SHA-256' || f.get('qop') !== 'auth' || !f.get('cnonce')) return 'wrong algorithm, qop or cnonce';
    const ha1 = sha256(`admin:${realm}:${options.password}`);
    const ha2 = sha256(`${req.method}:${req.target}`);
    if (f.get('response') !== sha256(`${ha1}:${nonce}:${f.get('nc')}:${f.get('cnonce')}:auth:${ha2}`)) return 'wrong response';
    nonces.set(nonce, nc);
    return undefined;
  };

  const device = await startDevice(t, (req, res) => {
    const why = refuse(req);
    if (why !== undefined) {
      if (req.headers.authorization !== undefined) refusals.push(why);
      const nonce = randomBytes(8).toString('hex');
      nonces.set(nonce, 0);
      sendJson(res, 401, { code: 401, message: 'Unauthorized' }, {
        'www-authenticate': `Digest qop="auth", realm="${realm}", nonce="${nonce}", algorithm=SHA-256`,
      });
      return;
    }
    const id = Number(req.query.get('id') ?? 'NaN');
    const badId = () => sendJson(res, 500, { code: -105, message: `Argument 'id', value ${req.query.get('id')} not found!` });
    switch (req.method === 'GET' ? req.path : '') {
      case '/rpc/Switch.Set': {
        if (!(id >= 0 && id < state.relays.length)) return badId();
        const on = req.query.get('on');
        if (on !== 'true' && on !== 'false') return sendJson(res, 500, { code: -103, message: "Missing required argument 'on'!" });
        const wasOn = state.relays[id];
        state.set(id, on === 'true');
        const toggleAfter = req.query.get('toggle_after');
        if (toggleAfter !== null) state.flipBackAfter(id, Number(toggleAfter));
        return sendJson(res, 200, { was_on: wasOn });
      }
      case '/rpc/Switch.GetStatus':
        if (!(id >= 0 && id < state.relays.length)) return badId();
        return sendJson(res, 200, {
          id,
          source: 'HTTP_in',
          output: state.relays[id],
          apower: 0,
          voltage: 231.4,
          current: 0,
          aenergy: { total: 0, by_minute: [0, 0, 0], minute_ts: Math.floor(Date.now() / 1000) },
          temperature: { tC: 41.2, tF: 106.2 },
        });
      default:
        return sendJson(res, 404, { code: 404, message: 'No handler for ' + req.path });
    }
  });
  return { ...device, relays: state.relays, changes: state.changes, realm, refusals };
}
