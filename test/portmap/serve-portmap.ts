// Test fixture: Bramble's portmapper on 127.0.0.1:111 (RFC 1833) and the RPC test program on a free port, run
// inside a test namespace (ip netns exec NS node ...). argv[2] is the JSON list of portmapper versions to serve.
// Prints "READY {table}" once everything is bound, and "STATS {...}" after SIGTERM stopped it.
import { createLogger } from '../../src/log/logger.js';
import { createPortmapPrograms } from '../../src/portmap/portmap-program.js';
import { IpProto, PORTMAP_PORT, portmapperMappings, PortmapTable } from '../../src/portmap/portmap-table.js';
import { createRpcServer } from '../../src/rpc/rpc-server.js';
import { createTestProgram, TEST_PROG } from '../rpc/test-program.js';

/** Registered but not served: rpcinfo -p lists it all the same, as rpcbind would a stopped service's entry. */
export const NFS_ENTRY = { prog: 100003, vers: 3, prot: IpProto.tcp, port: 2049 } as const;

async function main(): Promise<void> {
  const versions = JSON.parse(process.argv[2] ?? '[2,3,4]') as Array<2 | 3 | 4>;
  const log = createLogger({ level: 'warn', write: (line) => process.stderr.write(line) });
  const table = new PortmapTable();
  const testServer = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: 0, programs: createTestProgram().programs, log });
  const portmap = createRpcServer({
    address: '127.0.0.1',
    tcpPort: PORTMAP_PORT,
    udpPort: PORTMAP_PORT,
    programs: createPortmapPrograms(table, { versions }),
    log,
  });
  const test = await testServer.start();
  const pm = await portmap.start();
  for (const m of portmapperMappings([...versions].sort().reverse(), pm.tcp, pm.udp)) table.set(m);
  for (const vers of [1, 2]) {
    table.set({ prog: TEST_PROG, vers, prot: IpProto.tcp, port: test.tcp! });
    table.set({ prog: TEST_PROG, vers, prot: IpProto.udp, port: test.udp! });
  }
  table.set(NFS_ENTRY);
  process.stdout.write(`READY ${JSON.stringify(table.list())}\n`);
  process.once('SIGTERM', () => {
    void Promise.all([portmap.stop(), testServer.stop()]).then(() => {
      process.stdout.write(`STATS ${JSON.stringify(portmap.stats())}\n`);
      process.exit(0);
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`serve-portmap failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
