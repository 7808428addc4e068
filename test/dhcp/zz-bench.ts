import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { describeClient } from '../../src/dhcp/client.js';
import { decideFull } from '../../src/dhcp/decide-full.js';
import { createLeaseTable } from '../../src/dhcp/leases.js';
import { planPool } from '../../src/dhcp/pool.js';
import { loadCapture } from './support/fixtures.js';
const raw = Buffer.from(loadCapture('udhcpc-discover'));
const plan = planPool({ first: '198.18.1.1', last: '198.18.255.250', netmask: '255.255.0.0', leaseSeconds: 3600 }, '198.18.0.1');
const table = createLeaseTable(plan);
const t = performance.now();
const N = 50000;
for (let i = 0; i < N; i++) {
  raw.writeUInt32BE(i, 28 + 2);
  const d = decodeDhcp(raw); if (!d.ok) throw 1;
  const c = describeClient(d.message, 67); if (!c.ok) throw 2;
  const dec = decideFull({ request: d.message, client: c.client, boot: null, reservation: null, serverAddress: '198.18.0.1', ports: { server: 67, client: 68 }, pool: plan, leases: table, now: Date.now() });
  if (dec.change) table.apply(dec.change);
  if (dec.action === 'reply') encodeDhcp(dec.reply, { maxLength: 548 });
}
console.log('per packet us', ((performance.now() - t) / N * 1000).toFixed(1));
