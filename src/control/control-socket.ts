// The running server's control socket: a Unix socket in the data folder serving the admin API, so CLI
// commands reach the one process that owns the store. Access is guarded by the file mode (0600, owner only).
import { createServer, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { controlSocketPath, isServerRunning } from './control-client.js';

export interface ControlSocket {
  close(): Promise<void>;
}

// Any app env: only its fetch is used.
export async function listenControlSocket(app: Hono<any>, dataDir: string): Promise<ControlSocket> {
  const path = controlSocketPath(dataDir);
  if (await isServerRunning(dataDir)) {
    throw Object.assign(new Error(`another bramble server is already running on data folder ${dataDir}`), { code: 'ALREADY_RUNNING' });
  }
  await rm(path, { force: true }); // a socket file left by a server that died
  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  return {
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await rm(path, { force: true });
    },
  };
}
