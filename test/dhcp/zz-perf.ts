import { createSegment, startServerFixture } from './support/segment.js';
import { join } from 'node:path';
const rate = process.argv[2] ?? '2000';
const seg = await createSegment({ clientMac: '02:b7:09:00:00:02', clientAddress: '198.18.0.2/16' });
try {
  await seg.server.run(['ip', 'addr', 'add', '198.18.0.1/16', 'dev', 'bs0']).catch(() => undefined);
  const s = await startServerFixture(seg.server, { mode: 'full', interfaceName: 'bs0', serverAddress: '198.18.0.1', events: false, pool: { first: '198.18.1.1', last: '198.18.255.250', netmask: '255.255.0.0', leaseSeconds: 3600 }, leaseFile: join(seg.dir, 'leases.jsonl') });
  const r = await seg.client.run(['perfdhcp', '-4', '-l', '198.18.0.2', '-r', rate, '-R', '100000', '-p', '10', '198.18.0.1'], { check: false, timeoutMs: 120000 });
  console.log(r.stdout.split('\n').filter(l => /Rate|sent packets|received packets|drops|Statistics for|avg delay/.test(l)).join('\n'));
  const lines = (await seg.server.run(['wc', '-l', join(seg.dir, 'leases.jsonl')])).stdout;
  console.log('lease file lines', lines);
  await s.stop();
  console.log(s.output().split('\n').filter(l => /STATS/.test(l)).join('\n'));
} finally { await seg.destroy(); }
