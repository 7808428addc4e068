// Finds the OS descriptor behind a Node dgram or TCP socket, for the native addons that act on it directly.
import type { Socket } from 'node:dgram';
import type { Socket as TcpSocket } from 'node:net';

/**
 * The descriptor of a bound dgram socket. Node keeps its libuv handle under the "state symbol" (reading the
 * older `_handle` property prints a deprecation warning); handle.fd is the OS socket on Unix. Null when
 * neither is there (a future Node), so callers fall back to Node's own socket calls.
 */
export function socketFd(socket: Socket): number | null {
  const record = socket as unknown as Record<symbol, unknown>;
  const stateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = stateSymbol === undefined ? undefined : (record[stateSymbol] as { handle?: { fd?: unknown } } | undefined);
  const fd = state?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/** The descriptor of a connected TCP socket (net.Socket keeps its handle as `_handle`); null when closed or absent. */
export function tcpSocketFd(socket: TcpSocket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
