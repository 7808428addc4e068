// How CLI commands reach the admin API: through the running server's control socket, or, when no server
// runs on the data folder, by opening the store themselves and calling the same API in-process.
import { request } from 'node:http';
import { silentLogger } from '../log/logger.js';
import { openStore } from '../store/store.js';
import { openBootEventLog } from '../store/boot-events.js';
import { apiV1 } from '../api/api-v1.js';
import { AuthService } from '../auth/auth-service.js';
import { checkPower } from '../power/drivers.js';
import { createEventBus } from '../live/event-bus.js';
import { join } from 'node:path';

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, 'bramble.sock');
}

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

export async function isServerRunning(dataDir: string): Promise<boolean> {
  try {
    await socketCall(controlSocketPath(dataDir), 'GET', '/api/v1/status');
    return true;
  } catch {
    return false;
  }
}

/** Runs `use` with an API connection; `via` says which path was taken (for messages). */
export async function withApi<T>(dataDir: string, use: (call: ApiCall, via: 'server' | 'store') => Promise<T>): Promise<T> {
  const socket = controlSocketPath(dataDir);
  if (await isServerRunning(dataDir)) return use((m, p, b) => socketCall(socket, m, p, b), 'server');
  const store = await openStore(dataDir, silentLogger());
  const events = await openBootEventLog(dataDir, { log: silentLogger() });
  try {
    // No server: this process is the store's one writer, and the data folder's owner is the one calling.
    const app = apiV1({
      store,
      events,
      auth: new AuthService(store),
      checkPower,
      // Without the serving interface's details the drivers cannot be made here; the CLI does not need them.
      powerCan: () => null,
      status: null,
      trusted: true,
      log: silentLogger(),
      clientAddress: () => 'cli',
      bus: createEventBus(),
      power: { power: null, wake: null, sshPublicKey: null },
      health: null,
    nfs: null,
    iscsi: null,
    });
    return await use(async (method, path, body) => {
      const res = await app.request(path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return { status: res.status, body: await res.json() };
    }, 'store');
  } finally {
    await events.close();
    await store.close();
  }
}

/** One JSON request to the API on a Unix socket; rejects on a socket error, a timeout or a non-JSON answer. */
export function socketCall(socketPath: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { socketPath, method, path, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
          } catch (cause) {
            reject(new Error(`control socket answered non-JSON (${res.statusCode})`, { cause }));
          }
        });
      },
    );
    // Above the power service's 20 s action timeout and its grace, so a slow device's own answer gets through.
    req.setTimeout(30_000, () => req.destroy(new Error('control socket timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}
