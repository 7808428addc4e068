// Closes a dgram socket and resolves once it is closed; a socket that is already closed resolves at once.
import type { Socket } from 'node:dgram';

export function closeUdpSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // ERR_SOCKET_DGRAM_NOT_RUNNING: closed already
    }
  });
}
