// The REST API v1 (JSON under /api/v1): one Hono app, served on TCP (login required) and on the control socket.
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AuthService } from '../auth/auth-service.js';
import type { Logger } from '../log/logger.js';
import type { BootEventLog } from '../store/boot-events.js';
import type { Store } from '../store/store.js';
import type { PowerCheck } from '../inventory/machine-input.js';
import type { PowerAction } from '../power/driver.js';
import type { Machine } from '../store/schema.js';
import type { EventBus } from '../live/event-bus.js';
import type { HealthSampler } from '../health/sampler.js';
import type { NfsExports } from '../nfs/exports.js';
import type { IscsiDisks } from '../iscsi/disks.js';
import { authRoutes } from './auth-routes.js';
import { eventsRoutes } from './events-routes.js';
import { powerRoutes, type PowerRoutesDeps } from './power-routes.js';
import { guard, type ApiEnv } from './guard.js';
import { machinesRoutes } from './machines-routes.js';
import { openApiDocument } from './openapi.js';
import { problem } from './problem.js';
import { nfsRoutes } from './nfs-routes.js';
import { iscsiRoutes } from './iscsi-routes.js';
import { profilesRoutes } from './profiles-routes.js';
import { settingsRoutes } from './settings-routes.js';

export const API_BASE = '/api/v1';
const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiV1Deps {
  readonly store: Store;
  readonly events: BootEventLog;
  readonly auth: AuthService;
  readonly checkPower: (input: unknown) => PowerCheck;
  /** The actions a machine's power driver declares (for the page's buttons); null without a driver. */
  readonly powerCan: (machine: Machine) => readonly PowerAction[] | null;
  /** Live service status, or null when the API runs in-process for a CLI command with no server. */
  readonly status: (() => Record<string, unknown>) | null;
  /** True on the control socket and in-process for the CLI: access was already limited to the owner. */
  readonly trusted: boolean;
  readonly clientAddress: (c: Context<ApiEnv>) => string;
  readonly log: Logger;
  readonly power: PowerRoutesDeps;
  readonly bus: EventBus;
  /** The appliance's own health over the last hour; null in-process for the CLI. */
  readonly health: HealthSampler | null;
  /** The running server's NFS exports; null in-process for the CLI, or with NFS off. */
  readonly nfs: NfsExports | null;
  /** The running server's iSCSI disks; null in-process for the CLI, or with iSCSI off. */
  readonly iscsi: IscsiDisks | null;
}

/** Routes anyone may call: logging in, and the description of the API itself. */
const OPEN = new Set([`POST ${API_BASE}/login`, `GET ${API_BASE}/openapi.json`]);

export function apiV1(deps: ApiV1Deps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>().basePath(API_BASE);
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => problem(413, 'TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`) }));
  app.use('*', guard(deps.auth, deps.trusted, OPEN));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/status', (c) => c.json({ server: deps.status !== null, ...(deps.status?.() ?? {}) }));
  app.route('/', authRoutes({ auth: deps.auth, clientAddress: deps.clientAddress }));
  app.route('/machines', machinesRoutes({ store: deps.store, events: deps.events, checkPower: deps.checkPower, powerCan: deps.powerCan }));
  app.route('/profiles', profilesRoutes(deps.store));
  app.route('/settings', settingsRoutes(deps.store));
  app.route('/nfs', nfsRoutes(deps.store, deps.nfs));
  app.route('/iscsi', iscsiRoutes(deps.store, deps.iscsi));
  app.route('/', powerRoutes(deps.power));
  app.get('/health', (c) => {
    const health = deps.health;
    if (health === null) return problem(409, 'NO_SERVER', 'health is sampled by the running server (bramble serve)');
    return c.json({ latest: health.latest(), history: health.history(), failures: health.failures() });
  });
  app.route('/', eventsRoutes(deps.bus, deps.events));
  app.notFound(() => problem(404, 'NO_SUCH_ROUTE', 'no such API route (see /api/v1/openapi.json)'));
  app.onError((error, c) => {
    // Validation problems are answered above; anything reaching here is ours, and says nothing of internals.
    deps.log.error('api request failed', { method: c.req.method, path: c.req.path, error });
    return new Response(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } }), { status: 500, headers: { 'content-type': 'application/json' } });
  });
  return app;
}
