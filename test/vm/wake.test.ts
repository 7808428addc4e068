// Wake-on-LAN end to end in a test namespace: Bramble's magic packet, heard on the LAN, is the power button of a real QEMU machine, which boots from Bramble; and a machine that never shows up is recorded as "wake failed".
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openVmLab } from './vm-lab.js';
import type { TestContext } from 'node:test';
import type { ManagedProcess } from '../support/managed-process.js';
import { requireRoot, requireTool } from '../support/require-tool.js';
import { Teardown } from '../support/teardown.js';
import type { TestLan } from '../support/test-lan.js';
import { waitUntil } from '../support/wait-until.js';
import { cmdlineParam } from './boot-marker.js';
import { startBrambleServe } from './bramble-process.js';
import type { ServeOptions } from './bramble-process.js';
import { buildBootImages } from './build-initramfs.js';
import { controlOk } from './control-api.js';
import { requireVmHost } from './vm-prerequisites.js';
import { randomMac, startVm } from './vm.js';
import { startWolListener } from './wol-listener.js';
import type { WolListener } from './wol-listener.js';

const BOOT_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 420_000;
const PACKET_TIMEOUT_MS = 10_000;
const POOL = { first: '198.18.0.100', last: '198.18.0.150' };
/** The sleeping machine's "NIC" is another host on the segment, so the packet must cross the bridge to reach it. */
const LISTENER_ADDRESS = '198.18.0.3';
/** How the power service names whoever asked through the control socket (src/api/guard.ts). */
const CONTROL_SOCKET_USER = 'admin (control-socket)';
const SHORT_WAKE_DEADLINE_S = 2;
/** The stages after which the power service counts a machine as awake (power-service.ts SIGNS_OF_LIFE). */
const SIGNS_OF_LIFE = new Set(['dhcp', 'tftp', 'script', 'kernel', 'initrd', 'asset', 'root']);

interface MachineEvent {
  readonly time: string;
  readonly stage: string;
  readonly detail: string;
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
}

interface Scenario {
  readonly teardown: Teardown;
  readonly lan: TestLan;
  readonly workDir: string;
  readonly dataDir: string;
  readonly listener: WolListener;
}

async function setUp(t: TestContext, label: string): Promise<Scenario> {
  const lab = await openVmLab(t, label);
  const listenerHost = await lab.lan.addHost(LISTENER_ADDRESS);
  const listener = await startWolListener(listenerHost, join(lab.workDir, 'wol-listener.log'));
  lab.teardown.defer('stop WoL listener', () => listener.stop());
  return { ...lab, listener };
}

async function serve(s: Scenario, more: Partial<ServeOptions> = {}): Promise<ManagedProcess> {
  const options: ServeOptions = { bridge: s.lan.bridge, address: s.lan.serverAddress, dataDir: s.dataDir, dhcpMode: 'full', range: POOL, ...more };
  const server = await startBrambleServe(s.lan.ns, options, join(s.workDir, 'bramble.log'));
  s.teardown.defer('stop bramble', () => server.stop());
  return server;
}

/** Registers `mac` as a Wake-on-LAN machine (and what it boots) before it was ever seen, as an admin would. */
async function registerWolMachine(s: Scenario, mac: string, profile?: string): Promise<void> {
  await controlOk(s.dataDir, 'PATCH', `/machines/${mac}`, { ...(profile === undefined ? {} : { profile }), power: { driver: 'wol' } });
}

/** Presses "on" in the API; resolves with the driver's detail line once Bramble has sent its packets. */
async function powerOn(s: Scenario, mac: string): Promise<string> {
  const answer = (await controlOk(s.dataDir, 'POST', `/machines/${mac}/power`, { action: 'on' })) as { ok?: unknown; detail?: unknown };
  assert.equal(answer.ok, true, `power on answered ${JSON.stringify(answer)}`);
  assert.equal(typeof answer.detail, 'string');
  return answer.detail as string;
}

async function machineEvents(s: Scenario, mac: string): Promise<MachineEvent[]> {
  const machine = (await controlOk(s.dataDir, 'GET', `/machines/${mac}`)) as { events?: MachineEvent[] };
  assert.ok(Array.isArray(machine.events), `GET /machines/${mac} has no events: ${JSON.stringify(machine)}`);
  return machine.events;
}

function describeEvents(events: readonly MachineEvent[]): string {
  return events.map((e) => `${e.time} ${e.stage}: ${e.detail}`).join('\n');
}

function powerEvent(events: readonly MachineEvent[], action: string, result?: string): MachineEvent | undefined {
  return events.find((e) => e.stage === 'power' && e.fields?.action === action && (result === undefined || e.fields.result === result));
}

/** The 'on' event with who pressed it, as the power service records a successful Wake-on-LAN send. */
function assertOnEvent(events: readonly MachineEvent[], mac: string): MachineEvent {
  const on = powerEvent(events, 'on');
  assert.ok(on, `no 'on' power event for ${mac}:\n${describeEvents(events)}`);
  assert.equal(on.fields?.by, CONTROL_SOCKET_USER);
  assert.equal(on.fields?.driver, 'wol');
  assert.equal(on.fields?.ok, true);
  assert.ok(on.detail.startsWith(`on by ${CONTROL_SOCKET_USER}: magic packet for ${mac}`), on.detail);
  return on;
}

/** How many copies the driver says it sent ("sent once", "sent 3 times"). */
function copiesSent(detail: string): number {
  const match = /sent (once|(\d+) times)/.exec(detail);
  assert.ok(match, `no copy count in: ${detail}`);
  return match[2] === undefined ? 1 : Number(match[2]);
}

function packetsHeardFor(listener: WolListener, mac: string): number {
  return listener.process.output().split('\n').filter((line) => line.includes(`"mac":"${mac}"`)).length;
}

/**
 * Every copy Bramble says it sent, heard by the listener. The last copies may still be on their way through the
 * listener's stdout when the first is seen, so wait for the count (a missing copy still fails, at the timeout).
 */
async function assertAllCopiesHeard(listener: WolListener, mac: string, detail: string): Promise<void> {
  const sent = copiesSent(detail);
  await waitUntil(async () => packetsHeardFor(listener, mac) >= sent, { what: `${sent} magic packets for ${mac}`, timeoutMs: 5000, intervalMs: 50 }).catch(() => undefined);
  assert.equal(packetsHeardFor(listener, mac), sent, `Bramble said: ${detail}`);
}

test('a wol machine is switched on by its magic packet, boots from Bramble, and the wake is recorded with its time', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (!requireVmHost(t, { firmware: ['bios'] })) return;
  const images = await buildBootImages();
  const s = await setUp(t, 'wake');
  await serve(s);
  const nonce = Math.random().toString(36).slice(2, 10);
  await controlOk(s.dataDir, 'POST', '/profiles', {
    name: 'wake-profile',
    kernel: images.kernel,
    initrds: [images.initrd],
    cmdline: `console=ttyS0 panic=-1 bramble.nonce=${nonce}`,
  });
  const mac = randomMac();
  await registerWolMachine(s, mac, 'wake-profile');
  const tap = await s.lan.addTap('tap0');

  const pressedAt = Date.now();
  const pressing = powerOn(s, mac);
  pressing.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  // The power button: the machine exists only once its packet was heard on the LAN, whatever the API answers.
  // No packet: the API's own failure, if it gave one, says more than the listener's timeout.
  const heard = await s.listener.waitForPacket(mac, PACKET_TIMEOUT_MS).catch(async (error: unknown) => {
    await pressing;
    throw error;
  });
  const qemuStartedAt = Date.now();
  const vm = await startVm({ ns: s.lan.ns, workDir: s.workDir, firmware: 'bios', tap, mac });
  s.teardown.defer('stop VM', () => vm.stop());
  const detail = await pressing;
  const boot = await vm.waitForBoot(BOOT_TIMEOUT_MS);
  const bootSeconds = (Date.now() - pressedAt) / 1000;
  t.diagnostic(`packet heard ${heard.at - pressedAt} ms after "on"; marker ${boot.seconds.toFixed(1)} s after QEMU started; ${bootSeconds.toFixed(1)} s after "on"`);

  assert.equal(cmdlineParam(boot.cmdline ?? '', 'bramble.nonce'), nonce, `booted with: ${boot.cmdline}`);
  assert.equal(heard.from, s.lan.serverAddress, 'the packet came from the serving address');
  assert.ok(heard.at >= pressedAt, `packet heard at ${heard.at}, before "on" was pressed at ${pressedAt}`);
  assert.ok(heard.at <= qemuStartedAt, `packet heard at ${heard.at}, after QEMU started at ${qemuStartedAt}`);
  await assertAllCopiesHeard(s.listener, mac, detail);

  const events = await machineEvents(s, mac);
  const on = assertOnEvent(events, mac);
  const woke = powerEvent(events, 'wake', 'woke');
  assert.ok(woke, `no "woke" event for ${mac}:\n${describeEvents(events)}`);
  assert.equal(woke.fields?.by, CONTROL_SOCKET_USER);
  const match = /^woke after ([\d.]+) s \(first sign: (\w+)\)$/.exec(woke.detail);
  assert.ok(match, woke.detail);
  // The iPXE ROM's DHCP request is the first thing a woken BIOS machine sends.
  assert.equal(match[2], 'dhcp', woke.detail);
  const wakeSeconds = woke.fields?.wakeSeconds;
  assert.equal(typeof wakeSeconds, 'number');
  assert.equal(Number(match[1]), wakeSeconds, 'the detail and the field give the same time');
  assert.ok((wakeSeconds as number) > 0 && (wakeSeconds as number) < bootSeconds, `woke after ${wakeSeconds} s; the whole boot took ${bootSeconds} s`);
  // The watch starts when "on" is recorded; its 0.1 s rounding and the recorder's clock reads allow a little slack.
  const betweenEvents = (Date.parse(woke.time) - Date.parse(on.time)) / 1000;
  assert.ok(Math.abs(betweenEvents - (wakeSeconds as number)) <= 0.5, `woke after ${wakeSeconds} s, but the events are ${betweenEvents} s apart`);

  // Nothing from that MAC before QEMU ran: the wake was confirmed by the machine the packet switched on.
  const firstSign = events.find((e) => SIGNS_OF_LIFE.has(e.stage));
  assert.ok(firstSign, `no boot request from ${mac}:\n${describeEvents(events)}`);
  assert.equal(firstSign.stage, 'dhcp');
  assert.ok(Date.parse(firstSign.time) >= qemuStartedAt, `first request at ${firstSign.time}, before QEMU started at ${new Date(qemuStartedAt).toISOString()}`);
  assert.ok(Date.parse(woke.time) >= Date.parse(firstSign.time), `"woke" at ${woke.time} came before the first request at ${firstSign.time}`);
});

test('a wol machine that never shows up is recorded as "wake failed" once the wake deadline passes', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'ip', 'iproute2') || !requireTool(t, 'ss', 'iproute2')) return;
  const s = await setUp(t, 'wake-failed');
  await serve(s, { wakeDeadlineSeconds: SHORT_WAKE_DEADLINE_S });
  const mac = randomMac();
  await registerWolMachine(s, mac);

  const detail = await powerOn(s, mac);
  const heard = await s.listener.waitForPacket(mac, PACKET_TIMEOUT_MS);
  assert.equal(heard.from, s.lan.serverAddress);
  await assertAllCopiesHeard(s.listener, mac, detail);

  const events = await waitUntil(
    async () => {
      const now = await machineEvents(s, mac);
      return powerEvent(now, 'wake') === undefined ? undefined : now;
    },
    { what: `a wake outcome for ${mac}`, timeoutMs: SHORT_WAKE_DEADLINE_S * 1000 + 15_000, intervalMs: 250 },
  );
  const on = assertOnEvent(events, mac);
  const failed = powerEvent(events, 'wake');
  assert.ok(failed);
  assert.equal(failed.fields?.result, 'wake-failed', failed.detail);
  assert.equal(failed.fields?.by, CONTROL_SOCKET_USER);
  assert.equal(failed.detail, `wake failed: not seen within ${SHORT_WAKE_DEADLINE_S} s`);
  const waited = (Date.parse(failed.time) - Date.parse(on.time)) / 1000;
  assert.ok(waited >= SHORT_WAKE_DEADLINE_S - 0.1 && waited < SHORT_WAKE_DEADLINE_S + 3, `"wake failed" ${waited} s after "on"`);
  assert.ok(!events.some((e) => SIGNS_OF_LIFE.has(e.stage)), `the machine never ran, yet:\n${describeEvents(events)}`);
});
