// The TFTP peers run by hand on loopback, as /work/shared/facts/peers.md ran them: tftpd-hpa (lock-step,
// extracted in.tftpd) and atftpd (RFC 7440 windowsize), both in the foreground so the harness owns them.
import { startServer } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { waitForListeners } from './ready.js';
import { tftpdHpaPath } from './tools.js';

export async function startTftpdHpa(root: string, port: number): Promise<ServerProcess> {
  // -L: stay in the foreground; -u root: the extracted binary has no tftp user of its own here.
  return ready(startServer([tftpdHpaPath(), '-L', '-u', 'root', '-a', `127.0.0.1:${port}`, '-s', root], { label: 'tftpd-hpa' }), port);
}

export async function startAtftpd(root: string, port: number): Promise<ServerProcess> {
  const argv = ['atftpd', '--daemon', '--no-fork', '--logfile', '-', '--bind-address', '127.0.0.1', '--port', String(port), '--user', 'root.root', root];
  return ready(startServer(argv, { label: 'atftpd' }), port);
}

async function ready(server: ServerProcess, port: number): Promise<ServerProcess> {
  try {
    await waitForListeners(server, [{ transport: 'udp', port }], null);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
