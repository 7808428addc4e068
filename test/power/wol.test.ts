// The Wake-on-LAN driver on the wire: tcpdump in a network namespace with two links in one subnet shows where the
// magic packets go (and that the device binding is what puts them there); plus the failures that send nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { PowerResult } from '../../src/power/driver.js';
import { decodeMagicPacket, MagicPacketError } from '../../src/power/magic-packet.js';
import { SubnetBroadcastError } from '../../src/power/subnet-broadcast.js';
import { wakeMac, wolDriver } from '../../src/power/wol.js';
import type { ServingInterface } from '../../src/power/wol.js';
import { requireAddon } from '../dhcp/support/addon.js';
import { startProcess } from '../support/managed-process.js';
import type { Netns } from '../support/netns.js';
import { readPcapUdp } from '../support/pcap.js';
import type { PcapUdp } from '../support/pcap.js';
import { requireRoot, requireTool } from '../support/require-tool.js';
import { runCommand } from '../support/run-command.js';
import { Teardown } from '../support/teardown.js';
import { createTestLan, LAN_BRIDGE, LAN_PREFIX_LENGTH, LAN_SERVER_ADDRESS } from '../support/test-lan.js';
import { waitUntil } from '../support/wait-until.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SENDER = join(REPO_ROOT, 'test/power/netns-wake.ts');
const TARGET = '52:54:00:b7:70:01';
const SUBNET_BROADCAST = '198.18.0.255';
/** The second link: a Pi's wlan0 in the same subnet as its eth0 (br0 here). */
const OTHER_IF = 'wol1';
const OTHER_ADDRESS = '198.18.0.2';
const SERVING: ServingInterface = { name: LAN_BRIDGE, address: LAN_SERVER_ADDRESS, netmask: LAN_PREFIX_LENGTH };

interface Capture {
  /** The UDP datagrams written so far (the last one may be cut short while tcpdump runs). */
  read(): PcapUdp[];
  stop(): Promise<unknown>;
}

interface DualHomed {
  readonly ns: Netns;
  capture(ifname: string): Promise<Capture>;
  /** Runs test/power/netns-wake.ts inside the namespace and returns its PowerResult. */
  send(job: Record<string, unknown>): Promise<PowerResult>;
}

/**
 * The test LAN's namespace with a second link, wol1, in br0's subnet. br0's address is added again after wol1's,
 * which puts br0's broadcast route behind wol1's: unbound, a packet to 198.18.0.255 now leaves by wol1 even from
 * br0's address (checked below), so only the device binding can put it on br0.
 */
async function dualHomed(t: TestContext): Promise<DualHomed> {
  const teardown = new Teardown();
  t.after(() => teardown.run());
  const dir = mkdtempSync(join(tmpdir(), 'bramble-wol-'));
  teardown.defer('scratch folder', () => rmSync(dir, { recursive: true, force: true }));
  const lan = await createTestLan();
  teardown.defer('test LAN', () => lan.destroy());
  const { ns } = lan;
  await ns.run(['ip', 'link', 'add', OTHER_IF, 'type', 'veth', 'peer', 'name', `${OTHER_IF}end`]);
  await ns.run(['ip', 'link', 'set', `${OTHER_IF}end`, 'up']);
  await ns.run(['ip', 'link', 'set', OTHER_IF, 'up']);
  await ns.run(['ip', 'addr', 'add', `${OTHER_ADDRESS}/${LAN_PREFIX_LENGTH}`, 'dev', OTHER_IF]);
  await ns.run(['ip', 'addr', 'del', `${LAN_SERVER_ADDRESS}/${LAN_PREFIX_LENGTH}`, 'dev', LAN_BRIDGE]);
  await ns.run(['ip', 'addr', 'add', `${LAN_SERVER_ADDRESS}/${LAN_PREFIX_LENGTH}`, 'dev', LAN_BRIDGE]);
  const route = await ns.run(['ip', 'route', 'get', SUBNET_BROADCAST, 'from', LAN_SERVER_ADDRESS]);
  assert.match(route.stdout, new RegExp(`dev ${OTHER_IF}\\b`), `precondition: unbound, the broadcast routes by ${OTHER_IF}: ${route.stdout}`);

  return {
    ns,
    capture: async (ifname) => {
      const file = join(dir, `${ifname}.pcap`);
      const tcpdump = startProcess(ns.argv(['tcpdump', '-i', ifname, '-n', '-U', '-w', file, 'ip and udp']), { label: `tcpdump on ${ifname}` });
      teardown.defer(`tcpdump on ${ifname}`, () => tcpdump.stop());
      await tcpdump.waitFor(/listening on/, 10_000);
      return {
        read: () => (existsSync(file) ? readPcapUdp(readFileSync(file)) : []),
        stop: () => tcpdump.stop(),
      };
    },
    send: async (job) => {
      const { stdout } = await runCommand(ns.argv([process.execPath, '--import', 'tsx', SENDER, JSON.stringify(job)]), { cwd: REPO_ROOT, timeoutMs: 60_000 });
      const line = stdout.split('\n').find((l) => l.startsWith('result '));
      assert.ok(line !== undefined, `the sender printed no result: ${stdout}`);
      return JSON.parse(line.slice('result '.length)) as PowerResult;
    },
  };
}

interface Seen {
  readonly result: PowerResult;
  readonly serving: PcapUdp[];
  readonly other: PcapUdp[];
}

/** Captures on br0 and wol1 around one run of the sender; waits until `expected` datagrams have shown up somewhere. */
async function sendAndCapture(t: TestContext, job: Record<string, unknown>, expected: number, prepare?: (ns: Netns) => Promise<unknown>): Promise<Seen> {
  const lab = await dualHomed(t);
  const onServing = await lab.capture(LAN_BRIDGE);
  const onOther = await lab.capture(OTHER_IF);
  // After the captures start: tcpdump refuses a link that is down.
  await prepare?.(lab.ns);
  const result = await lab.send(job);
  const total = (): number => onServing.read().length + onOther.read().length;
  if (expected > 0) await waitUntil(async () => total() >= expected, { what: `${expected} datagrams in the captures`, timeoutMs: 5_000, intervalMs: 50 });
  // A copy that went the wrong way arrives as fast as the right ones: this pause is for a surplus, not the count.
  await sleep(300);
  await onServing.stop();
  await onOther.stop();
  return { result, serving: onServing.read(), other: onOther.read() };
}

function assertMagicPackets(datagrams: readonly PcapUdp[], want: { count: number; port: number; secureOn?: string }): void {
  assert.equal(datagrams.length, want.count, `sent ${want.count} times: ${JSON.stringify(datagrams.map((d) => `${d.src}:${d.srcPort}>${d.dst}:${d.dstPort}`))}`);
  for (const d of datagrams) {
    assert.ok(d.payload.length >= 102, `a magic packet is at least 102 bytes, got ${d.payload.length}`);
    const decoded = decodeMagicPacket(d.payload);
    assert.ok(decoded.ok, JSON.stringify(decoded));
    assert.equal(decoded.packet.mac, TARGET);
    assert.equal(decoded.packet.secureOn?.toString('hex') ?? null, want.secureOn?.replace(/[:-]/g, '').toLowerCase() ?? null);
    assert.equal(d.dst, SUBNET_BROADCAST, 'to the subnet broadcast');
    assert.equal(d.dstPort, want.port);
    assert.equal(d.src, LAN_SERVER_ADDRESS, "from the serving interface's address");
  }
  assert.equal(new Set(datagrams.map((d) => d.srcPort)).size, 1, 'all copies from one socket');
}

function gateNetns(t: TestContext): boolean {
  return requireRoot(t) && requireTool(t, 'ip', 'iproute2') && requireTool(t, 'tcpdump', 'tcpdump');
}

describe('Wake-on-LAN on the wire (network namespace, tcpdump)', () => {
  test('wakeMac, defaults: 3 magic packets to 198.18.0.255:9 from br0, none on the other link', async (t) => {
    if (!gateNetns(t) || !requireAddon(t)) return;
    const seen = await sendAndCapture(t, { via: 'wake', mac: TARGET, serving: SERVING }, 3);
    assert.deepEqual(seen.result, { ok: true, state: 'unknown', detail: `magic packet for ${TARGET} sent 3 times to ${SUBNET_BROADCAST}:9 from ${LAN_BRIDGE}` });
    assertMagicPackets(seen.serving, { count: 3, port: 9 });
    assert.deepEqual(seen.other, [], `nothing on ${OTHER_IF}`);
  });

  test('the driver from stored settings: 6-byte SecureOn, port 7, twice, dotted netmask', async (t) => {
    if (!gateNetns(t) || !requireAddon(t)) return;
    const secureOn = 'A1-B2-C3-D4-E5-F6';
    const job = { via: 'driver', mac: TARGET, serving: { ...SERVING, netmask: '255.255.255.0' }, settings: { driver: 'wol', secureOn, port: 7, count: 2 } };
    const seen = await sendAndCapture(t, job, 2);
    assert.ok(seen.result.ok, JSON.stringify(seen.result));
    assert.equal(seen.result.detail, `magic packet for ${TARGET} with SecureOn sent 2 times to ${SUBNET_BROADCAST}:7 from ${LAN_BRIDGE}`);
    assert.equal(/a1.?b2.?c3/i.test(seen.result.detail), false, 'the password is not in the detail');
    assertMagicPackets(seen.serving, { count: 2, port: 7, secureOn });
    assert.equal(seen.serving[0]!.payload.length, 108);
    assert.deepEqual(seen.other, [], `nothing on ${OTHER_IF}`);
  });

  test('control: without the device binding the same packets leave by the other link, and the detail says so', async (t) => {
    if (!gateNetns(t)) return;
    const seen = await sendAndCapture(t, { via: 'wake', mac: TARGET, serving: SERVING, settings: { count: 2 }, unbound: true }, 2);
    assert.ok(seen.result.ok, JSON.stringify(seen.result));
    assert.match(seen.result.detail, /sent 2 times to 198\.18\.0\.255:9 from br0 \(not bound to br0: native addon unavailable: left out by the test\)$/);
    assert.deepEqual(seen.serving, [], `nothing on ${LAN_BRIDGE}`);
    assertMagicPackets(seen.other, { count: 2, port: 9 });
  });

  test('the serving address is gone: UNREACHABLE, nothing sent', async (t) => {
    if (!gateNetns(t) || !requireAddon(t)) return;
    const seen = await sendAndCapture(t, { via: 'driver', mac: TARGET, serving: { ...SERVING, address: '198.18.0.77' } }, 0);
    assert.equal(seen.result.ok, false);
    if (!seen.result.ok) {
      assert.equal(seen.result.code, 'UNREACHABLE');
      assert.match(seen.result.message, /198\.18\.0\.77 \(br0\): EADDRNOTAVAIL/);
    }
    assert.deepEqual([...seen.serving, ...seen.other], []);
  });

  test('the serving link is down: the send error is UNREACHABLE, and nothing falls over to the other link', async (t) => {
    if (!gateNetns(t) || !requireAddon(t)) return;
    const seen = await sendAndCapture(t, { via: 'driver', mac: TARGET, serving: SERVING }, 0, (ns) => ns.run(['ip', 'link', 'set', LAN_BRIDGE, 'down']));
    assert.equal(seen.result.ok, false);
    if (!seen.result.ok) {
      assert.equal(seen.result.code, 'UNREACHABLE');
      assert.match(seen.result.message, /^magic packet for 52:54:00:b7:70:01 to 198\.18\.0\.255:9 from br0 failed after 0 sent: E[A-Z]+$/);
    }
    assert.deepEqual([...seen.serving, ...seen.other], []);
  });
});

describe('Wake-on-LAN failures that send nothing', () => {
  const driver = (): ReturnType<typeof wolDriver> => wolDriver({ port: 9, count: 3 }, { mac: TARGET, serving: SERVING });

  test('declares only "on"; other actions are UNSUPPORTED', async () => {
    const d = driver();
    assert.equal(d.kind, 'wol');
    assert.deepEqual([...d.can], ['on']);
    for (const action of ['off', 'cycle', 'status'] as const) {
      const result = await d.run(action, new AbortController().signal);
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.code, 'UNSUPPORTED');
    }
  });

  test('an aborted signal is a TIMEOUT before any socket is opened', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await driver().run('on', controller.signal);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.code, 'TIMEOUT');
      assert.match(result.message, /0 of 3 times/);
    }
  });

  test('an interface that does not exist: UNREACHABLE from the device binding, before sending', async (t) => {
    if (!requireAddon(t)) return;
    // Loopback's own address binds anywhere; the device binding then fails, so no datagram ever leaves.
    const result = await wakeMac(TARGET, { serving: { name: 'nosuch0', address: '127.0.0.1', netmask: 8 } });
    assert.deepEqual(result, { ok: false, code: 'UNREACHABLE', message: 'network interface nosuch0 does not exist' });
  });

  const badInput: ReadonlyArray<readonly [string, () => unknown, new (...args: never[]) => Error, string]> = [
    ['a bad MAC to the driver', () => wolDriver({ port: 9, count: 1 }, { mac: 'not-a-mac', serving: SERVING }), MagicPacketError, 'BAD_MAC'],
    ['a short SecureOn to the driver', () => wolDriver({ secureOn: 'aa:bb', port: 9, count: 1 }, { mac: TARGET, serving: SERVING }), MagicPacketError, 'BAD_SECUREON_LENGTH'],
    ['a bad netmask to the driver', () => wolDriver({ port: 9, count: 1 }, { mac: TARGET, serving: { ...SERVING, netmask: '255.0.255.0' } }), SubnetBroadcastError, 'BAD_NETMASK'],
  ];
  for (const [name, make, type, code] of badInput) {
    test(`${name} throws ${code} when the driver is made`, () => {
      assert.throws(make, (error: unknown) => error instanceof type && (error as { code?: unknown }).code === code);
    });
  }

  test('wakeMac rejects a bad MAC with BAD_MAC before opening a socket', async () => {
    await assert.rejects(wakeMac('01:00:5e:00:00:01', { serving: SERVING }), (error: unknown) => error instanceof MagicPacketError && error.code === 'BAD_MAC');
  });
});
