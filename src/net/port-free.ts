// Whether a TCP port can be bound on an address, found by binding it for a moment (the doctor's port check).
import { createServer } from 'node:net';

export type PortCheck = { readonly free: true } | { readonly free: false; readonly code: string };

export function tcpPortFree(address: string, port: number): Promise<PortCheck> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ free: false, code: error.code ?? 'ERROR' }));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve({ free: true })));
  });
}
