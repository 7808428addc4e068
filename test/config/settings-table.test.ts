import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settingsTable, type SettingName } from '../../src/config/settings-table.js';

type Case = { readonly setting: SettingName; readonly raw: unknown; readonly value?: unknown; readonly error?: RegExp };

// One row per interesting input of each parser; `value` rows must parse to exactly that, `error` rows must fail.
const cases: readonly Case[] = [
  { setting: 'interface', raw: 'eth0', value: 'eth0' },
  { setting: 'interface', raw: '  wlan0 ', value: 'wlan0' },
  { setting: 'interface', raw: '', value: null },
  { setting: 'interface', raw: null, value: null },
  { setting: 'interface', raw: '   ', error: /non-empty string/ },
  { setting: 'interface', raw: ['eth0'], error: /non-empty string/ },

  { setting: 'address', raw: '192.168.1.5', value: '192.168.1.5' },
  { setting: 'address', raw: ' 10.0.0.1 ', value: '10.0.0.1' },
  { setting: 'address', raw: '', value: null },
  { setting: 'address', raw: '192.168.1.256', error: /IPv4 address/ },
  { setting: 'address', raw: '192.168.1', error: /IPv4 address/ },
  { setting: 'address', raw: 3232235777, error: /IPv4 address/ },

  { setting: 'dataDir', raw: '/srv/bramble', value: '/srv/bramble' },
  { setting: 'dataDir', raw: '', error: /non-empty string/ },
  { setting: 'dataDir', raw: null, error: /non-empty string/ },
  { setting: 'dataDir', raw: 42, value: '42' },

  { setting: 'dhcpMode', raw: 'off', value: 'off' },
  { setting: 'dhcpMode', raw: 'proxy', value: 'proxy' },
  { setting: 'dhcpMode', raw: ' full ', value: 'full' },
  { setting: 'dhcpMode', raw: 'FULL', error: /one of off, proxy, full/ },
  { setting: 'dhcpMode', raw: 'server', error: /one of off, proxy, full/ },
  { setting: 'dhcpMode', raw: true, error: /one of off, proxy, full/ },

  { setting: 'dhcpRange', raw: '192.168.1.100-192.168.1.200', value: { first: '192.168.1.100', last: '192.168.1.200' } },
  { setting: 'dhcpRange', raw: '192.168.1.100 - 192.168.1.200', value: { first: '192.168.1.100', last: '192.168.1.200' } },
  { setting: 'dhcpRange', raw: '192.168.1.7-192.168.1.7', value: { first: '192.168.1.7', last: '192.168.1.7' } },
  { setting: 'dhcpRange', raw: '', value: null },
  { setting: 'dhcpRange', raw: null, value: null },
  { setting: 'dhcpRange', raw: '192.168.1.200-192.168.1.100', error: /must not be above/ },
  { setting: 'dhcpRange', raw: '192.168.1.100', error: /FIRST-LAST/ },
  { setting: 'dhcpRange', raw: '1.1.1.1-2.2.2.2-3.3.3.3', error: /FIRST-LAST/ },
  { setting: 'dhcpRange', raw: '192.168.1.100-foo', error: /IPv4/ },
  { setting: 'dhcpRange', raw: 100, error: /FIRST-LAST/ },

  { setting: 'dhcpNetmask', raw: '255.255.255.0', value: '255.255.255.0' },
  { setting: 'dhcpNetmask', raw: '255.255.252.0', value: '255.255.252.0' },
  { setting: 'dhcpNetmask', raw: '255.255.255.255', value: '255.255.255.255' },
  { setting: 'dhcpNetmask', raw: '', value: null },
  { setting: 'dhcpNetmask', raw: '255.0.255.0', error: /contiguous/ },
  { setting: 'dhcpNetmask', raw: '0.255.255.255', error: /contiguous/ },
  { setting: 'dhcpNetmask', raw: '24', error: /netmask/ },
  { setting: 'dhcpNetmask', raw: 24, error: /netmask/ },

  { setting: 'dhcpRouter', raw: '192.168.1.1', value: '192.168.1.1' },
  { setting: 'dhcpRouter', raw: 'router.lan', error: /IPv4/ },

  { setting: 'dhcpDns', raw: '1.1.1.1', value: ['1.1.1.1'] },
  { setting: 'dhcpDns', raw: '1.1.1.1, 9.9.9.9', value: ['1.1.1.1', '9.9.9.9'] },
  { setting: 'dhcpDns', raw: '1.1.1.1,,9.9.9.9,', value: ['1.1.1.1', '9.9.9.9'] },
  { setting: 'dhcpDns', raw: ['8.8.8.8', ' 8.8.4.4 '], value: ['8.8.8.8', '8.8.4.4'] },
  { setting: 'dhcpDns', raw: '', value: [] },
  { setting: 'dhcpDns', raw: '1.1.1.1,dns.lan', error: /"dns\.lan" is not an IPv4 address/ },
  // A YAML list item that is not text (a number, a null, a mapping) is a mistake, not something to drop.
  { setting: 'dhcpDns', raw: ['8.8.8.8', 53], error: /"53" is not an IPv4 address/ },
  { setting: 'dhcpDns', raw: ['8.8.8.8', null], error: /is not an IPv4 address/ },
  { setting: 'dhcpDns', raw: 8, error: /list of IPv4/ },

  { setting: 'dhcpLeaseSeconds', raw: 60, value: 60 },
  { setting: 'dhcpLeaseSeconds', raw: '86400', value: 86400 },
  { setting: 'dhcpLeaseSeconds', raw: 31_536_000, value: 31_536_000 },
  { setting: 'dhcpLeaseSeconds', raw: 31_536_001, error: /1 to 31536000/ },
  { setting: 'dhcpLeaseSeconds', raw: 0, error: /1 to 31536000/ },
  { setting: 'dhcpLeaseSeconds', raw: 1.5, error: /whole number/ },
  { setting: 'dhcpLeaseSeconds', raw: '-5', error: /whole number/ },
  { setting: 'dhcpLeaseSeconds', raw: '1h', error: /whole number/ },

  { setting: 'dhcpProbe', raw: false, value: false },
  { setting: 'dhcpProbe', raw: 'yes', value: true },
  { setting: 'dhcpProbe', raw: 'on', value: true },
  { setting: 'dhcpProbe', raw: '1', value: true },
  { setting: 'dhcpProbe', raw: 'no', value: false },
  { setting: 'dhcpProbe', raw: 'off', value: false },
  { setting: 'dhcpProbe', raw: '0', value: false },
  { setting: 'dhcpProbe', raw: 'maybe', error: /true or false/ },
  { setting: 'dhcpProbe', raw: 1, error: /true or false/ },

  { setting: 'httpPort', raw: 8080, value: 8080 },
  { setting: 'httpPort', raw: ' 8080 ', value: 8080 },
  { setting: 'httpPort', raw: '0', value: 0 },
  { setting: 'httpPort', raw: 65535, value: 65535 },
  { setting: 'httpPort', raw: 65536, error: /0 to 65535/ },
  { setting: 'httpPort', raw: -1, error: /0 to 65535/ },
  { setting: 'httpPort', raw: '80a', error: /0 to 65535/ },
  { setting: 'httpPort', raw: '', error: /0 to 65535/ },
  { setting: 'tftpPort', raw: '6969', value: 6969 },
  { setting: 'tftpPort', raw: 69.5, error: /0 to 65535/ },

  { setting: 'ipxeDir', raw: '/opt/ipxe', value: '/opt/ipxe' },
  { setting: 'uefiBootFile', raw: 'snponly.efi', value: 'snponly.efi' },
  { setting: 'uefiBootFile', raw: '', error: /non-empty/ },
  { setting: 'defaultProfile', raw: 'debian', value: 'debian' },
  { setting: 'defaultProfile', raw: '', value: null },

  { setting: 'logLevel', raw: 'debug', value: 'debug' },
  { setting: 'logLevel', raw: 'error', value: 'error' },
  { setting: 'logLevel', raw: 'trace', error: /one of debug, info, warn, error/ },
];

for (const c of cases) {
  const label = `${c.setting} parses ${JSON.stringify(c.raw)} -> ${c.error ? `error ${c.error}` : JSON.stringify(c.value)}`;
  test(label, () => {
    const parsed = settingsTable[c.setting].parse(c.raw);
    if (c.error === undefined) {
      assert.deepEqual(parsed, { ok: true, value: c.value });
    } else {
      assert.equal(parsed.ok, false);
      assert.match((parsed as { error: string }).error, c.error);
    }
  });
}

test('every setting accepts its own default and has distinct key, flag and env names', () => {
  const specs = Object.values(settingsTable);
  for (const s of specs) {
    assert.match(s.env, /^BRAMBLE_[A-Z_]+$/, s.key);
    assert.match(s.flag, /^[a-z][a-z-]*$/, s.key);
    if (s.default !== null) assert.equal(s.parse(s.default as never).ok, true, `default of ${s.key}`);
  }
  for (const field of ['key', 'flag', 'env'] as const) {
    const names = specs.map((s) => s[field]);
    assert.equal(new Set(names).size, names.length, `duplicate ${field}`);
  }
});

test('the defaults are the documented ones', () => {
  const defaults = Object.fromEntries(Object.entries(settingsTable).map(([name, s]) => [name, s.default]));
  assert.deepEqual(defaults, {
    interface: null,
    address: null,
    dataDir: '/var/lib/bramble',
    dhcpMode: 'proxy',
    dhcpRange: null,
    dhcpNetmask: null,
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
  });
});
