import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { macForIp, parseArpTable } from '../../src/net/arp-table.js';

// fixtures/proc-net-arp.txt is /proc/net/arp as the kernel wrote it inside a test namespace (veth, 198.18.0.1/24):
// 198.18.0.2 answered ARP (flags 0x2), 198.18.0.3 never did (incomplete: flags 0x0, zero MAC), and
// 198.18.0.9 was added with `ip neigh add ... nud permanent` (flags 0x6).
const fixture = fileURLToPath(new URL('./fixtures/proc-net-arp.txt', import.meta.url));

test('parseArpTable on a real /proc/net/arp keeps complete and permanent entries only', async () => {
  const table = parseArpTable(await readFile(fixture, 'utf8'));
  assert.deepEqual([...table.entries()], [
    ['198.18.0.2', 'c2:6d:b6:37:f6:c3'],
    ['198.18.0.9', '52:54:00:12:34:56'],
  ]);
});

const header = 'IP address       HW type     Flags       HW address            Mask     Device';
const cases: readonly { name: string; text: string; expect: [string, string][] }[] = [
  { name: 'empty text', text: '', expect: [] },
  { name: 'header only', text: header + '\n', expect: [] },
  { name: 'no trailing newline', text: `${header}\n10.0.0.2         0x1         0x2         AA:BB:CC:DD:EE:FF     *        eth0`, expect: [['10.0.0.2', 'aa:bb:cc:dd:ee:ff']] },
  {
    name: 'an incomplete entry with a stale MAC is still skipped by its flags',
    text: `${header}\n10.0.0.3         0x1         0x0         aa:bb:cc:dd:ee:ff     *        eth0\n`,
    expect: [],
  },
  {
    name: 'a zero MAC with other flags is skipped',
    text: `${header}\n10.0.0.4         0x1         0x2         00:00:00:00:00:00     *        eth0\n`,
    expect: [],
  },
  {
    name: 'a non-Ethernet hardware address is skipped',
    text: `${header}\n10.0.0.5         0x20        0x2         80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c     *        ib0\n`,
    expect: [],
  },
  {
    name: 'entries on two devices, blank lines between',
    text: `${header}\n10.0.0.6         0x1         0x2         02:00:00:00:00:06     *        eth0\n\n192.168.7.1      0x1         0x2         02:00:00:00:00:07     *        wlan0\n`,
    expect: [['10.0.0.6', '02:00:00:00:00:06'], ['192.168.7.1', '02:00:00:00:00:07']],
  },
  { name: 'a truncated line', text: `${header}\n10.0.0.8         0x1\n`, expect: [] },
];

for (const c of cases) {
  test(`parseArpTable: ${c.name}`, () => {
    assert.deepEqual([...parseArpTable(c.text).entries()], c.expect);
  });
}

test('macForIp reads the table file', async () => {
  assert.equal(await macForIp('198.18.0.2', fixture), 'c2:6d:b6:37:f6:c3');
  assert.equal(await macForIp('198.18.0.3', fixture), null);
  assert.equal(await macForIp('198.18.0.77', fixture), null);
});

test('macForIp without a readable table answers null', async () => {
  assert.equal(await macForIp('198.18.0.2', fileURLToPath(new URL('./fixtures/no-such-file', import.meta.url))), null);
});
