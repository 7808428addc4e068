// Bramble's TFTP server (RFC 1350) as a child process for tests inside a network namespace.
//
// Prints "listening PORT" once bound and "transfer {json}" per finished transfer.
// Usage: node --import tsx test/tftp/netns-server.ts ADDRESS ROOT
import { silentLogger } from '../../src/log/logger.js';
import { folderFiles } from '../../src/tftp/folder-files.js';
import { createTftpServer } from '../../src/tftp/server.js';
import { nativePumps } from './server-harness.js';

const [address, root] = process.argv.slice(2);
if (address === undefined || root === undefined) {
  process.stderr.write('usage: netns-server.ts ADDRESS ROOT\n');
  process.exit(2);
}
const server = createTftpServer({
  address,
  port: 69,
  files: folderFiles([root]),
  log: silentLogger(),
  nativePumps: nativePumps(), // what bramble serve uses: firmware meets the native data pump
  onTransfer: (event) => process.stdout.write(`transfer ${JSON.stringify(event)}\n`),
});
const { port } = await server.start();
process.stdout.write(`listening ${port}\n`);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
