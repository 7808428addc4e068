// A REST API v1 app over a fresh store in a temp folder, for app.request() tests (no sockets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { apiV1 } from '../../src/api/api-v1.js';
import { AuthService } from '../../src/auth/auth-service.js';
import { silentLogger } from '../../src/log/logger.js';
import { checkPower, makeDriver, powerCapabilities } from '../../src/power/drivers.js';
import { createEventBus, type EventBus } from '../../src/live/event-bus.js';
import { createPowerService } from '../../src/power/power-service.js';
import { sshFiles } from '../../src/power/ssh-key.js';
import { openBootEventLog } from '../../src/store/boot-events.js';
import { openStore, type Store } from '../../src/store/store.js';

export interface ApiHarness {
  readonly store: Store;
  readonly auth: AuthService;
  readonly adminPassword: string;
  readonly bus: EventBus;
  /** "METHOD /api/v1/path" of every route the app serves (middleware excluded). */
  readonly routes: readonly string[];
  /** app.request with JSON in and the cookie jar of one browser; `as` picks the client address. */
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; as?: string }): Promise<Response>;
  /** Logs the browser in as admin; returns the CSRF token. */
  login(): Promise<string>;
  setNow(ms: number): void;
}

export async function apiHarness(t: TestContext, options: { trusted?: boolean; powerTimeoutMs?: number } = {}): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'bramble-api-'));
  const store = await openStore(dir, silentLogger());
  const events = await openBootEventLog(dir, { log: silentLogger() });
  t.after(async () => {
    await events.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let now = Date.parse('2026-11-26T12:00:00Z');
  const bus = createEventBus();
  // Drivers that need the serving interface get loopback; tests here use drivers that send nothing on it.
  const driverContext = { serving: { name: 'lo', address: '127.0.0.1', netmask: 8 }, ssh: sshFiles(dir) };
  const auth = new AuthService(store, () => now);
  const admin = await auth.ensureAdmin();
  if (!admin.created) throw new Error('a fresh store must get its admin');
  const app = apiV1({
    store,
    events,
    auth,
    checkPower,
    powerCan: (machine) => powerCapabilities(machine, driverContext),
    status: null,
    trusted: options.trusted ?? false,
    log: silentLogger(),
    clientAddress: (c) => c.req.header('x-test-client') ?? '198.18.0.10',
    bus,
    power: {
      power: createPowerService({
        store,
        bus,
        record: (mac, stage, detail, fields) => {
          const event = { time: new Date(now).toISOString(), mac, stage, detail, fields };
          events.append(event);
          bus.publish(event);
        },
        makeDriver: (machine) => makeDriver(machine, driverContext),
        log: silentLogger(),
        timeoutMs: options.powerTimeoutMs ?? 2000,
      }),
      wake: null,
      sshPublicKey: null,
    },
    health: null,
    nfs: null,
    iscsi: null,
  });
  let cookie: string | null = null;
  const call: ApiHarness['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { host: 'bramble.test', ...(o.as === undefined ? {} : { 'x-test-client': o.as }), ...o.headers };
    if (cookie !== null) headers.cookie = cookie;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.request(`http://bramble.test${path}`, { method, headers, ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }) });
    const set = res.headers.get('set-cookie');
    if (set !== null) {
      const pair = set.split(';')[0]!;
      cookie = /Max-Age=0|expires=Thu, 01 Jan 1970/i.test(set) || pair.endsWith('=') ? null : pair;
    }
    return res;
  };
  return {
    store,
    auth,
    adminPassword: admin.password,
    bus,
    routes: [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))],
    call,
    login: async () => {
      const res = await call('POST', '/api/v1/login', { body: { username: 'admin', password: admin.password } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
      return ((await res.json()) as { csrfToken: string }).csrfToken;
    },
    setNow: (ms) => {
      now = ms;
    },
  };
}
