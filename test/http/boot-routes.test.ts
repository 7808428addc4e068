// The HTTP endpoints a booting machine uses, driven through hono's app.request with a real store on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openBootEventLog, type BootEventLog } from '../../src/store/boot-events.js';
import { createRecorder, type Recorder } from '../../src/inventory/recorder.js';
import { bootRoutes } from '../../src/http/boot-routes.js';

interface Fixture {
  dir: string;
  store: Store;
  events: BootEventLog;
  recorder: Recorder;
  app: ReturnType<typeof bootRoutes>;
  kernel: string;
  initrd: string;
}

async function fixture(
  t: { after: (fn: () => Promise<void>) => void },
  options: { defaultProfile?: string | null; arp?: Record<string, string>; iscsiDisk?: Parameters<typeof bootRoutes>[0]['iscsiDisk'] } = {},
): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-http-'));
  const store = await openStore(join(dir, 'data'), silentLogger());
  const events = await openBootEventLog(join(dir, 'data'), { log: silentLogger() });
  const recorder = createRecorder({ store, events, log: silentLogger(), flushMs: 10 });
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.gz');
  await writeFile(kernel, Buffer.alloc(5000, 1));
  await writeFile(initrd, Buffer.alloc(3000, 2));
  await mkdir(join(dir, 'ipxe'));
  // As Debian's ipxe package does it: ipxe.efi links to /boot/ipxe.efi, outside the folder.
  await mkdir(join(dir, 'boot'));
  await writeFile(join(dir, 'boot', 'ipxe.efi'), 'EFI');
  await symlink(join(dir, 'boot', 'ipxe.efi'), join(dir, 'ipxe', 'ipxe.efi'));
  await writeFile(join(dir, 'ipxe', 'notes.txt'), 'not an iPXE binary');
  await mkdir(join(dir, 'assets', 'iso'), { recursive: true });
  await writeFile(join(dir, 'assets', 'iso', 'a.iso'), 'ISO');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await symlink(join(dir, 'secret.txt'), join(dir, 'assets', 'leak'));
  const app = bootRoutes({
    store,
    recorder,
    log: silentLogger(),
    httpBase: 'http://198.18.0.1:8080',
    defaultProfile: options.defaultProfile ?? null,
    ipxeDir: join(dir, 'ipxe'),
    assetsDir: join(dir, 'assets'),
    macForIp: async (ip) => options.arp?.[ip] ?? null,
    kernelSend: null,
    nfsRootArgs: null,
    iscsiDisk: options.iscsiDisk ?? null,
  });
  t.after(async () => {
    await recorder.close();
    await events.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, store, events, recorder, app, kernel, initrd };
}

async function addProfile(f: Fixture, name: string): Promise<void> {
  await f.store.update((d) => {
    d.profiles.push({ name, kind: 'kernel', kernel: f.kernel, initrds: [f.initrd], cmdline: 'console=ttyS0', createdAt: '2026-01-01T00:00:00Z' });
  });
}

const mac = '52:54:00:12:34:56';

test('an unknown machine gets the menu and is recorded with the facts iPXE passed', async (t) => {
  const f = await fixture(t);
  await addProfile(f, 'debian');
  const res = await f.app.request(`/boot.ipxe?mac=${mac}&uuid=1234&platform=efi&buildarch=x86_64&manufacturer=QEMU&product=Standard%20PC`);
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.match(body, /^#!ipxe\n/);
  assert.match(body, /\nmenu Bramble network boot\n/);
  assert.match(body, /\nitem p0 debian\n/);
  assert.match(body, /chain http:\/\/198\.18\.0\.1:8080\/boot\.ipxe\?profile=debian&mac=52:54:00:12:34:56/);
  await f.recorder.flush();
  const m = f.store.read().machines.find((x) => x.mac === mac);
  assert.ok(m, 'machine recorded');
  assert.equal(m.uuid, '1234');
  assert.equal(m.platform, 'efi');
  assert.equal(m.firmware, 'uefi');
  assert.equal(m.product, 'Standard PC');
  assert.deepEqual(f.events.recent(mac).map((e) => e.stage), ['script']);
});

test('an assigned profile boots its kernel and initrd from Bramble, named for UEFI', async (t) => {
  const f = await fixture(t);
  await addProfile(f, 'debian');
  await f.store.update((d) => {
    d.machines.push({ mac, firstSeen: 'x', lastSeen: 'x', profile: 'debian' });
  });
  const body = await (await f.app.request(`/boot.ipxe?mac=${mac}`)).text();
  assert.match(
    body,
    /\nkernel http:\/\/198\.18\.0\.1:8080\/files\/profile\/debian\/kernel\/vmlinuz\?mac=52:54:00:12:34:56 initrd=initrd0\.gz console=ttyS0 bramble\.agent=\S+ bramble\.facts=\S+ bramble\.token=[A-Za-z0-9_-]{43} \|\| goto failed\n/,
  );
  assert.match(body, /\ninitrd --name initrd0\.gz http:\/\/198\.18\.0\.1:8080\/files\/profile\/debian\/0\/initrd\.gz\?mac=52:54:00:12:34:56 \|\| goto failed\n/);

  const kernel = await f.app.request(`/files/profile/debian/kernel/vmlinuz?mac=${mac}`);
  assert.equal(kernel.status, 200);
  assert.equal((await kernel.arrayBuffer()).byteLength, 5000);
  const initrd = await f.app.request(`/files/profile/debian/0/initrd.gz?mac=${mac}`, { headers: { range: 'bytes=0-99' } });
  assert.equal(initrd.status, 206);
  assert.equal(initrd.headers.get('content-range'), 'bytes 0-99/3000');
  assert.equal((await initrd.arrayBuffer()).byteLength, 100);
  const stages = f.events.recent(mac).map((e) => e.stage);
  assert.deepEqual(stages.slice(0, 3), ['script', 'kernel', 'kernel']);
  assert.ok(stages.includes('initrd'));
});

test('boot once reverts after one boot script', async (t) => {
  const f = await fixture(t);
  await addProfile(f, 'debian');
  await addProfile(f, 'rescue');
  await f.store.update((d) => {
    d.machines.push({ mac, firstSeen: 'x', lastSeen: 'x', profile: 'debian', bootOnce: 'rescue' });
  });
  assert.match(await (await f.app.request(`/boot.ipxe?mac=${mac}`)).text(), /booting rescue/);
  assert.equal(f.store.read().machines[0]!.bootOnce, undefined);
  assert.match(await (await f.app.request(`/boot.ipxe?mac=${mac}`)).text(), /booting debian/);
});

test('the default profile boots unknown machines; the MAC comes from the ARP table when iPXE omits it', async (t) => {
  const f = await fixture(t, { defaultProfile: 'debian', arp: {} });
  await addProfile(f, 'debian');
  // iPXE without a ${mac} value sends mac= empty; the ARP table has nothing for app.request's peer either.
  const body = await (await f.app.request('/boot.ipxe?mac=')).text();
  assert.match(body, /booting debian/);
  assert.doesNotMatch(body, /\?mac=/, 'no MAC known, none invented');
});

test('iPXE asking without its facts is told to come back with them', async (t) => {
  const f = await fixture(t);
  const res = await f.app.request('/boot.ipxe');
  assert.equal(res.status, 200);
  assert.equal(
    await res.text(),
    '#!ipxe\nchain http://198.18.0.1:8080/boot.ipxe?mac=${mac}&uuid=${uuid}&serial=${serial:uristring}&manufacturer=${manufacturer:uristring}' +
      '&product=${product:uristring}&platform=${platform}&buildarch=${buildarch}&hostname=${hostname:uristring}\n',
  );
  assert.deepEqual(f.store.read().machines, [], 'nothing recorded before the machine says who it is');
});

test('a menu choice chains to the chosen profile', async (t) => {
  const f = await fixture(t);
  await addProfile(f, 'debian');
  const body = await (await f.app.request(`/boot.ipxe?mac=${mac}&profile=debian`)).text();
  assert.match(body, /booting debian/);
});

test('only files named by profiles, the iPXE folder and the assets folder are reachable', async (t) => {
  const f = await fixture(t);
  await addProfile(f, 'debian');
  const cases: [string, number][] = [
    ['/files/profile/debian/kernel/vmlinuz', 200],
    ['/files/profile/debian/kernel/secret.txt', 404],
    ['/files/profile/debian/7/initrd.gz', 404],
    ['/files/profile/nope/kernel/vmlinuz', 404],
    ['/ipxe/ipxe.efi', 200],
    ['/ipxe/..%2Fsecret.txt', 404],
    ['/ipxe/notes.txt', 404],
    ['/ipxe/snponly.efi', 404],
    ['/assets/iso/a.iso', 200],
    ['/assets/../secret.txt', 404],
    ['/assets/%2e%2e/secret.txt', 404],
    ['/assets/leak', 404],
    ['/assets/%E0%A4%A', 400],
    ['/api/profiles', 404],
    ['/healthz', 200],
  ];
  for (const [path, status] of cases) {
    const res = await f.app.request(path);
    assert.equal(res.status, status, path);
    if (status !== 200 || path === '/healthz') continue;
    assert.notEqual(await res.text(), 'secret', path);
  }
});

test('HEAD and conditional requests on assets', async (t) => {
  const f = await fixture(t);
  const head = await f.app.request('/assets/iso/a.iso', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '3');
  assert.equal(head.headers.get('accept-ranges'), 'bytes');
  const etag = head.headers.get('etag');
  assert.ok(etag);
  assert.ok(head.headers.get('last-modified'));
  const again = await f.app.request('/assets/iso/a.iso', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

// ---------- inventory agent ----------

async function bootWithAgent(f: Fixture): Promise<string> {
  await addProfile(f, 'debian');
  await f.store.update((d) => {
    d.machines.push({ mac, firstSeen: 'x', lastSeen: 'x', profile: 'debian' });
  });
  const body = await (await f.app.request(`/boot.ipxe?mac=${mac}`)).text();
  const token = / bramble\.token=([A-Za-z0-9_-]+) /.exec(body)?.[1];
  assert.ok(token !== undefined, body);
  return token;
}

const facts = {
  format: 1,
  hostname: 'node-1',
  cpu: { model: 'QEMU Virtual CPU', cores: 2, threads: 2 },
  memoryBytes: 536870912,
  disks: [{ name: 'vda', sizeBytes: 1073741824, rotational: false, removable: false }],
  nics: [{ name: 'eth0', mac: '52:54:00:12:34:56' }],
  manufacturer: 'QEMU',
  product: 'Standard PC (i440FX + PIIX, 1996)',
};

test('each boot script hands the agent a fresh token, kept only as a hash on the machine', async (t) => {
  const f = await fixture(t);
  const first = await bootWithAgent(f);
  const second = await (await f.app.request(`/boot.ipxe?mac=${mac}`)).text();
  assert.ok(!second.includes(first), 'a new boot gets a new token');
  const stored = f.store.read().machines.find((m) => m.mac === mac)!;
  assert.match(stored.agentTokenHash!, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(f.store.read()).includes(first));
});

test('the agent posts facts with its token: they land on its machine, with an event that marks it running', async (t) => {
  const f = await fixture(t);
  const token = await bootWithAgent(f);
  const res = await f.app.request('/agent/facts', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(facts) });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
  const m = f.store.read().machines.find((x) => x.mac === mac)!;
  assert.equal((m.hardware as { memoryBytes: number }).memoryBytes, 536870912);
  assert.equal(m.manufacturer, 'QEMU');
  assert.equal(m.hostname, 'node-1');
  const note = f.events.recent(mac).find((e) => e.stage === 'note');
  assert.equal(note?.fields?.agent, true);
  assert.match(note!.detail, /QEMU Virtual CPU x2, 0\.5 GiB, 1 disk\(s\), 1 NIC\(s\)/);
});

test('agent posts without the right token are refused and reveal nothing; bad facts name the field', async (t) => {
  const f = await fixture(t);
  const token = await bootWithAgent(f);
  const post = (headers: Record<string, string>, body: string) => f.app.request('/agent/facts', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  for (const headers of [{}, { authorization: "Bearer nope" }, { authorization: `Bearer ${token}x` }] as Array<Record<string, string>>) {
    const res = await post(headers, JSON.stringify(facts));
    assert.equal(res.status, 403);
    assert.equal(await res.text(), 'forbidden\n');
  }
  assert.equal(f.store.read().machines.find((m) => m.mac === mac)!.hardware, undefined);
  const bad = await post({ authorization: `Bearer ${token}` }, JSON.stringify({ ...facts, memoryBytes: 'lots' }));
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'memoryBytes');
  assert.equal((await post({ authorization: `Bearer ${token}` }, '{not json')).status, 400);
  assert.equal((await post({ authorization: `Bearer ${token}` }, JSON.stringify({ ...facts, pad: 'x'.repeat(300_000) }))).status, 413);
});

test('the agent script is served to booting machines as it is in the source tree', async (t) => {
  const f = await fixture(t);
  const res = await f.app.request('/agent/bramble-agent.sh');
  assert.equal(res.status, 200);
  const { readFile: read } = await import('node:fs/promises');
  const { agentScriptFile } = await import('../../src/http/agent-routes.js');
  assert.equal(await res.text(), await read(agentScriptFile(), 'utf8'));
});

test('iSCSI profiles: SAN boot hands iPXE its own disk and CHAP; an iSCSI root puts the login on the kernel line; both fail plainly with iSCSI off', async (t) => {
  const asked: Array<[string, string, string]> = [];
  const san = { server: '198.18.0.1', port: 3260, iqn: 'iqn.2026-11.org.bramble:52-54-00-12-34-56.k3s', initiatorIqn: 'iqn.2026-11.org.bramble.initiator:52-54-00-12-34-56', chapUser: '52-54-00-12-34-56.k3s', chapSecret: 'Xy3_secret-16chr', targetUser: '52-54-00-12-34-56.k3s.target', targetSecret: 'Tg7_secret-16chr' };
  const f = await fixture(t, {
    iscsiDisk: async (m, address, image) => {
      asked.push([m, address, image]);
      return { san, rootArgs: ['ip=dhcp', `iscsi_target_name=${san.iqn}`, `iscsi_password=${san.chapSecret}`] };
    },
  });
  await f.store.update((d) => {
    d.profiles.push({ name: 'k3s-san', kind: 'iscsi-sanboot', iscsiImage: 'k3s', createdAt: 'x' });
    d.profiles.push({ name: 'k3s-root', kind: 'iscsi-root', iscsiImage: 'k3s', kernel: f.kernel, initrds: [f.initrd], cmdline: 'root=LABEL=k3s', createdAt: 'x' });
    d.machines.push({ mac, firstSeen: 'x', lastSeen: 'x', profile: 'k3s-san' });
  });
  const env = { incoming: { socket: { remoteAddress: '::ffff:198.18.0.23' } } };
  const sanScript = await (await f.app.request(`/boot.ipxe?mac=${mac}`, {}, env)).text();
  assert.match(sanScript, /\nset initiator-iqn iqn\.2026-11\.org\.bramble\.initiator:52-54-00-12-34-56\nset username 52-54-00-12-34-56\.k3s\nset password Xy3_secret-16chr\n/);
  assert.match(sanScript, /\nsanboot iscsi:198\.18\.0\.1::3260:0:iqn\.2026-11\.org\.bramble:52-54-00-12-34-56\.k3s \|\| goto failed\n/);
  assert.deepEqual(asked, [[mac, '198.18.0.23', 'k3s']]);

  await f.store.update((d) => {
    d.machines[0]!.profile = 'k3s-root';
  });
  const rootScript = await (await f.app.request(`/boot.ipxe?mac=${mac}`, {}, env)).text();
  assert.match(rootScript, /\nkernel \S+ initrd=initrd0\.gz ip=dhcp iscsi_target_name=iqn\.2026-11\.org\.bramble:52-54-00-12-34-56\.k3s iscsi_password=Xy3_secret-16chr root=LABEL=k3s bramble\.agent=/);
  assert.doesNotMatch(rootScript, /sanboot/);

  const off = await fixture(t);
  await off.store.update((d) => {
    d.profiles.push({ name: 'k3s-san', kind: 'iscsi-sanboot', iscsiImage: 'k3s', createdAt: 'x' });
    d.machines.push({ mac, firstSeen: 'x', lastSeen: 'x', profile: 'k3s-san' });
  });
  const failed = await (await off.app.request(`/boot.ipxe?mac=${mac}`, {}, env)).text();
  assert.match(failed, /echo Bramble: k3s-san: iSCSI is off on this server\n/);
  assert.doesNotMatch(failed, /sanboot|password/);
});
