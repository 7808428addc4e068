import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, loadServeConfig, type ConfigSources, type ServeConfig } from '../../src/config/load.js';

// Interfaces are injected: these tests never look at the host's real network.
function v4(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: null };
}
function v6(address: string): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: null, scopeid: 0 };
}
const lo = [v4('127.0.0.1', '255.0.0.0', true)];
const oneLan = { lo, eth0: [v4('192.168.1.5', '255.255.255.0'), v6('fe80::1')] };
const twoLans = { lo, eth0: [v4('192.168.1.5', '255.255.255.0')], wlan0: [v4('10.0.0.7', '255.255.0.0')] };
const multiAddress = { lo, eth0: [v4('192.168.1.5', '255.255.255.0'), v4('172.16.0.5', '255.255.0.0')], v6only: [v6('fe80::2')] };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bramble-config-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileSerial = 0;
async function yamlFile(text: string): Promise<string> {
  const path = join(dir, `bramble-${++fileSerial}.yaml`);
  await writeFile(path, text);
  return path;
}

function sources(over: Partial<ConfigSources>): ConfigSources {
  return { flags: {}, env: {}, configFile: null, interfaces: () => oneLan, ...over };
}

async function rejectsWithKey(promise: Promise<unknown>, key: string, text: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.key, key);
    assert.ok(error.message.includes(key), error.message);
    assert.match(error.message, text);
    return true;
  });
}

test('no config file and one LAN interface: defaults plus that interface', async () => {
  const config = await loadServeConfig(sources({}));
  const expected: ServeConfig = {
    interface: 'eth0',
    address: '192.168.1.5',
    netmask: '255.255.255.0',
    mac: '02:00:00:00:00:01',
    configFile: null,
    dataDir: '/var/lib/bramble',
    dhcpMode: 'proxy',
    dhcpRange: null,
    dhcpRouter: null,
    dhcpDns: [],
    dhcpLeaseSeconds: 3600,
    dhcpProbe: true,
    httpPort: 80,
    tftpPort: 69,
    ipxeDir: '/usr/lib/ipxe',
    uefiBootFile: 'ipxe.efi',
    defaultProfile: null,
    wakeDeadlineSeconds: 180,
    nfs: true,
    nfsPort: 2049,
    mountdPort: 20048,
    portmapPort: 111,
    nfsRoots: null,
    iscsi: true,
    iscsiPort: 3260,
    iscsiImages: null,
    logLevel: 'info',
  };
  assert.deepEqual(config, expected);
});

test('nested and dotted YAML keys both set settings', async () => {
  const file = await yamlFile(
    [
      'dataDir: /srv/bramble',
      'dhcp:',
      '  mode: full',
      '  range: 192.168.1.100-192.168.1.150',
      '  dns: [1.1.1.1, 9.9.9.9]',
      'dhcp.router: 192.168.1.1',
      'dhcp.leaseSeconds: 600',
      'http:',
      '  port: 8080',
      'tftp.port: 6969',
      'logLevel: debug',
      '',
    ].join('\n'),
  );
  const config = await loadServeConfig(sources({ configFile: file }));
  assert.equal(config.configFile, file);
  assert.equal(config.dataDir, '/srv/bramble');
  assert.equal(config.dhcpMode, 'full');
  assert.deepEqual(config.dhcpRange, { first: '192.168.1.100', last: '192.168.1.150' });
  assert.deepEqual(config.dhcpDns, ['1.1.1.1', '9.9.9.9']);
  assert.equal(config.dhcpRouter, '192.168.1.1');
  assert.equal(config.dhcpLeaseSeconds, 600);
  assert.equal(config.httpPort, 8080);
  assert.equal(config.tftpPort, 6969);
  assert.equal(config.logLevel, 'debug');
});

test('precedence through loadServeConfig: defaults < YAML < env < flags', async () => {
  const file = await yamlFile('http:\n  port: 8001\ntftp:\n  port: 6001\nlogLevel: warn\ndataDir: /from/file\n');
  const config = await loadServeConfig(
    sources({
      configFile: file,
      env: { BRAMBLE_TFTP_PORT: '6002', BRAMBLE_LOG_LEVEL: 'error', BRAMBLE_HTTP_PORT: '8002' },
      flags: { logLevel: 'debug' },
    }),
  );
  assert.deepEqual(
    [config.httpPort, config.tftpPort, config.logLevel, config.dataDir, config.uefiBootFile],
    [8002, 6002, 'debug', '/from/file', 'ipxe.efi'],
  );
});

test('an empty config file and a file of only comments mean defaults', async () => {
  for (const text of ['', '# nothing here\n']) {
    const config = await loadServeConfig(sources({ configFile: await yamlFile(text) }));
    assert.equal(config.dhcpMode, 'proxy');
    assert.equal(config.httpPort, 80);
  }
});

test('a YAML section with every entry commented out is not an error', async () => {
  const file = await yamlFile('dhcp:\n  # mode: full\nhttp:\n  port: 8080\n');
  const config = await loadServeConfig(sources({ configFile: file }));
  assert.equal(config.dhcpMode, 'proxy');
  assert.equal(config.httpPort, 8080);
});

const badFiles: readonly { name: string; text: string; key: string; match: RegExp }[] = [
  { name: 'unknown top-level key', text: 'colour: blue\n', key: 'colour', match: /unknown setting .* \(known: interface, address/ },
  { name: 'unknown nested key', text: 'dhcp:\n  mode: full\n  speed: 9\n', key: 'dhcp.speed', match: /unknown setting/ },
  { name: 'unknown dotted key', text: 'dhcp.speed: 9\n', key: 'dhcp.speed', match: /unknown setting/ },
  { name: 'unknown key under an unknown section', text: 'web:\n  port: 1\n', key: 'web.port', match: /unknown setting/ },
  { name: 'an unknown empty key', text: 'nonsense:\n', key: 'nonsense', match: /unknown setting/ },
  { name: 'invalid YAML', text: 'dhcp: [mode\n', key: 'config', match: /is not valid YAML/ },
  { name: 'duplicate keys', text: 'logLevel: info\nlogLevel: debug\n', key: 'config', match: /is not valid YAML/ },
  { name: 'a list instead of a mapping', text: '- dhcp\n- http\n', key: 'config', match: /must hold a YAML mapping/ },
  { name: 'a bare scalar', text: 'proxy\n', key: 'config', match: /must hold a YAML mapping/ },
  { name: 'bad nested value', text: 'dhcp:\n  mode: sometimes\n', key: 'dhcp.mode', match: /must be one of off, proxy, full \(from config file; got "sometimes"\)/ },
  { name: 'bad dotted value', text: 'http.port: 99999\n', key: 'http.port', match: /0 to 65535/ },
  { name: 'a mapping where a value belongs', text: 'dhcp:\n  range:\n    first: 1.2.3.4\n', key: 'dhcp.range', match: /FIRST-LAST/ },
  { name: 'a list of numbers as DNS', text: 'dhcp:\n  dns: [53]\n', key: 'dhcp.dns', match: /is not an IPv4 address/ },
  { name: 'null where text is needed', text: 'dataDir:\n', key: 'dataDir', match: /non-empty string/ },
];

for (const b of badFiles) {
  test(`config file error: ${b.name}`, async () => {
    const file = await yamlFile(b.text);
    await rejectsWithKey(loadServeConfig(sources({ configFile: file })), b.key, b.match);
  });
}

test('a config file error names the file', async () => {
  const file = await yamlFile('dhcp: [mode\n');
  await assert.rejects(loadServeConfig(sources({ configFile: file })), (error: Error) => error.message.includes(file));
});

test('a missing config file stops with ConfigError naming the path', async () => {
  const missing = join(dir, 'no-such.yaml');
  await rejectsWithKey(loadServeConfig(sources({ configFile: missing })), 'config', new RegExp(`cannot read config file ${missing}`));
});

test('a config file that is a folder stops with ConfigError', async () => {
  await rejectsWithKey(loadServeConfig(sources({ configFile: dir })), 'config', /cannot read config file/);
});

// Interface selection.
const pick: readonly { name: string; interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>; flags?: ConfigSources['flags']; expect: [string, string, string] }[] = [
  { name: 'the only LAN interface (loopback does not count)', interfaces: oneLan, expect: ['eth0', '192.168.1.5', '255.255.255.0'] },
  { name: 'a named interface among several', interfaces: twoLans, flags: { interface: 'wlan0' }, expect: ['wlan0', '10.0.0.7', '255.255.0.0'] },
  { name: 'the first IPv4 of a named interface', interfaces: multiAddress, flags: { interface: 'eth0' }, expect: ['eth0', '192.168.1.5', '255.255.255.0'] },
  { name: 'a chosen second address and its netmask', interfaces: multiAddress, flags: { interface: 'eth0', address: '172.16.0.5' }, expect: ['eth0', '172.16.0.5', '255.255.0.0'] },
  { name: 'an address on the only interface', interfaces: oneLan, flags: { address: '192.168.1.5' }, expect: ['eth0', '192.168.1.5', '255.255.255.0'] },
  { name: 'loopback when asked for by name', interfaces: oneLan, flags: { interface: 'lo' }, expect: ['lo', '127.0.0.1', '255.0.0.0'] },
  { name: 'dhcp.netmask overrides the interface netmask', interfaces: oneLan, flags: { dhcpNetmask: '255.255.0.0' }, expect: ['eth0', '192.168.1.5', '255.255.0.0'] },
];

for (const p of pick) {
  test(`interface selection: ${p.name}`, async () => {
    const config = await loadServeConfig(sources({ interfaces: () => p.interfaces, flags: p.flags ?? {} }));
    assert.deepEqual([config.interface, config.address, config.netmask], p.expect);
  });
}

const badNetwork: readonly { name: string; interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>; flags?: ConfigSources['flags']; key: string; match: RegExp }[] = [
  { name: 'several candidates and none chosen', interfaces: twoLans, key: 'interface', match: /--interface \(IPv4 interfaces found: eth0, wlan0\)/ },
  { name: 'no candidate at all', interfaces: { lo }, key: 'interface', match: /IPv4 interfaces found: none/ },
  { name: 'only IPv6 candidates', interfaces: { lo, eth0: [v6('fe80::1')] }, key: 'interface', match: /found: none/ },
  { name: 'a missing interface', interfaces: twoLans, flags: { interface: 'eth9' }, key: 'interface', match: /no interface named "eth9" \(found: lo, eth0, wlan0\)/ },
  { name: 'a named interface without IPv4', interfaces: multiAddress, flags: { interface: 'v6only' }, key: 'interface', match: /"v6only" has no IPv4 address/ },
  { name: 'an address not on the interface', interfaces: oneLan, flags: { address: '192.168.1.6' }, key: 'address', match: /192\.168\.1\.6 is not an address of interface "eth0" \(it has: 192\.168\.1\.5\)/ },
  { name: 'an address of another interface', interfaces: twoLans, flags: { interface: 'eth0', address: '10.0.0.7' }, key: 'address', match: /not an address of interface "eth0"/ },
];

for (const b of badNetwork) {
  test(`network error: ${b.name}`, async () => {
    await rejectsWithKey(loadServeConfig(sources({ interfaces: () => b.interfaces, flags: b.flags ?? {} })), b.key, b.match);
  });
}

// Full DHCP mode: the pool must exist, lie in the server's subnet and leave the server's own address out.
const pools: readonly { name: string; flags: ConfigSources['flags']; key?: string; match?: RegExp }[] = [
  { name: 'a pool inside the subnet', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.100-192.168.1.200' } },
  { name: 'a pool right after the own address', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.6-192.168.1.254' } },
  { name: 'a pool right before the own address', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.1-192.168.1.4' } },
  { name: 'a pool reaching into a wider netmask', flags: { dhcpMode: 'full', dhcpRange: '192.168.2.1-192.168.2.50', dhcpNetmask: '255.255.0.0' } },
  { name: 'full mode without a pool', flags: { dhcpMode: 'full' }, key: 'dhcp.range', match: /needs an address pool: --dhcp-range/ },
  { name: 'a pool wholly outside the subnet', flags: { dhcpMode: 'full', dhcpRange: '10.0.0.10-10.0.0.20' }, key: 'dhcp.range', match: /10\.0\.0\.10 is outside this server's subnet 192\.168\.1\.5\/255\.255\.255\.0/ },
  { name: 'a pool whose end leaves the subnet', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.200-192.168.2.10' }, key: 'dhcp.range', match: /192\.168\.2\.10 is outside/ },
  { name: 'a pool outside a narrower netmask', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.100-192.168.1.120', dhcpNetmask: '255.255.255.192' }, key: 'dhcp.range', match: /192\.168\.1\.100 is outside this server's subnet 192\.168\.1\.5\/255\.255\.255\.192/ },
  { name: 'a pool containing the own address', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.2-192.168.1.50' }, key: 'dhcp.range', match: /contains this server's own address 192\.168\.1\.5/ },
  { name: 'a pool starting at the network address', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.0-192.168.1.4' }, key: 'dhcp.range', match: /network \(192\.168\.1\.0\) or broadcast \(192\.168\.1\.255\)/ },
  { name: 'a pool ending at the broadcast address', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.100-192.168.1.255' }, key: 'dhcp.range', match: /must not include the network .* or broadcast/ },
  { name: 'a pool of just the own address', flags: { dhcpMode: 'full', dhcpRange: '192.168.1.5-192.168.1.5' }, key: 'dhcp.range', match: /own address/ },
];

for (const p of pools) {
  test(`full mode pool: ${p.name}`, async () => {
    const promise = loadServeConfig(sources({ flags: p.flags }));
    if (p.key === undefined) {
      const config = await promise;
      assert.equal(config.dhcpMode, 'full');
      assert.equal(config.dhcpRange?.first, String(p.flags.dhcpRange).split('-')[0]);
    } else {
      await rejectsWithKey(promise, p.key, p.match!);
    }
  });
}

test('proxy mode does not check the pool at all', async () => {
  const config = await loadServeConfig(sources({ flags: { dhcpRange: '10.0.0.10-10.0.0.20' } }));
  assert.equal(config.dhcpMode, 'proxy');
  assert.deepEqual(config.dhcpRange, { first: '10.0.0.10', last: '10.0.0.20' });
});

test('a setting error is reported before the interfaces are looked at', async () => {
  let asked = false;
  const interfaces = () => {
    asked = true;
    return oneLan;
  };
  await rejectsWithKey(loadServeConfig(sources({ interfaces, env: { BRAMBLE_DHCP_MODE: 'all' } })), 'dhcp.mode', /from BRAMBLE_DHCP_MODE/);
  assert.equal(asked, false);
});
