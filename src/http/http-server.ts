// Runs a hono app on a TCP port with @hono/node-server; start resolves once bound, fails fast on a taken port.
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: { app: Hono<any>; address: string; port: number }): Promise<HttpServer> {
  const server: Server = createServer(getRequestListener(options.app.fetch));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(Object.assign(new Error(`HTTP cannot listen on ${options.address}:${options.port}: ${error.code ?? error.message}`, { cause: error }), { code: error.code })),
    );
    server.listen(options.port, options.address, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
