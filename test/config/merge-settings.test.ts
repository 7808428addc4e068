import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, mergeSettings } from '../../src/config/load.js';
import { settingsTable } from '../../src/config/settings-table.js';

const defaults = Object.fromEntries(Object.entries(settingsTable).map(([name, s]) => [name, s.default]));

test('with no file, env or flags every setting is its default', () => {
  assert.deepEqual(mergeSettings({}, {}, {}), defaults);
});

test('environment variables that are not BRAMBLE_* settings are ignored', () => {
  assert.deepEqual(mergeSettings({}, { PATH: '/bin', HTTP_PORT: '1', BRAMBLE_UNKNOWN: 'x' }, {}), defaults);
});

// Each layer gives the same setting a different value, so the winner shows which layer took precedence.
const layers: readonly { name: string; file: boolean; env: boolean; flag: boolean; expect: number }[] = [
  { name: 'default only', file: false, env: false, flag: false, expect: 80 },
  { name: 'file beats default', file: true, env: false, flag: false, expect: 1001 },
  { name: 'env beats default', file: false, env: true, flag: false, expect: 1002 },
  { name: 'env beats file', file: true, env: true, flag: false, expect: 1002 },
  { name: 'flag beats default', file: false, env: false, flag: true, expect: 1003 },
  { name: 'flag beats file', file: true, env: false, flag: true, expect: 1003 },
  { name: 'flag beats env', file: false, env: true, flag: true, expect: 1003 },
  { name: 'flag beats env and file', file: true, env: true, flag: true, expect: 1003 },
];

for (const l of layers) {
  test(`precedence: ${l.name}`, () => {
    const values = mergeSettings(
      l.file ? { 'http.port': 1001 } : {},
      l.env ? { BRAMBLE_HTTP_PORT: '1002' } : {},
      l.flag ? { httpPort: '1003' } : {},
    );
    assert.equal(values.httpPort, l.expect);
  });
}

test('layers are merged per setting, not per source', () => {
  const values = mergeSettings(
    { 'dhcp.mode': 'full', 'dhcp.range': '10.0.0.100-10.0.0.150', 'http.port': 8080, logLevel: 'warn' },
    { BRAMBLE_DHCP_DNS: '1.1.1.1,9.9.9.9', BRAMBLE_LOG_LEVEL: 'debug', BRAMBLE_DHCP_PROBE: 'off' },
    { tftpPort: '6969', dataDir: '/tmp/bramble-data' },
  );
  assert.deepEqual(values, {
    ...defaults,
    dhcpMode: 'full',
    dhcpRange: { first: '10.0.0.100', last: '10.0.0.150' },
    httpPort: 8080,
    logLevel: 'debug',
    dhcpDns: ['1.1.1.1', '9.9.9.9'],
    dhcpProbe: false,
    tftpPort: 6969,
    dataDir: '/tmp/bramble-data',
  });
});

test('an empty environment value clears an optional setting the file set', () => {
  const values = mergeSettings({ defaultProfile: 'debian', address: '10.0.0.2' }, { BRAMBLE_DEFAULT_PROFILE: '' }, {});
  assert.equal(values.defaultProfile, null);
  assert.equal(values.address, '10.0.0.2');
});

test('a flag explicitly given as undefined does not override', () => {
  assert.equal(mergeSettings({}, { BRAMBLE_HTTP_PORT: '81' }, { httpPort: undefined }).httpPort, 81);
});

// Every bad value stops the start with a ConfigError that names the config-file key and where the value came from.
const bad: readonly {
  name: string;
  file?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, unknown>;
  key: string;
  from: string;
}[] = [
  { name: 'dhcp mode from the file', file: { 'dhcp.mode': 'server' }, key: 'dhcp.mode', from: 'config file' },
  { name: 'dhcp mode from env', env: { BRAMBLE_DHCP_MODE: 'server' }, key: 'dhcp.mode', from: 'BRAMBLE_DHCP_MODE' },
  { name: 'dhcp mode from a flag', flags: { dhcpMode: 'server' }, key: 'dhcp.mode', from: '--dhcp-mode' },
  { name: 'http port', env: { BRAMBLE_HTTP_PORT: '80000' }, key: 'http.port', from: 'BRAMBLE_HTTP_PORT' },
  { name: 'tftp port', flags: { tftpPort: 'sixty-nine' }, key: 'tftp.port', from: '--tftp-port' },
  { name: 'address', file: { address: '10.0.0' }, key: 'address', from: 'config file' },
  { name: 'range', flags: { dhcpRange: '10.0.0.9-10.0.0.1' }, key: 'dhcp.range', from: '--dhcp-range' },
  { name: 'netmask', env: { BRAMBLE_DHCP_NETMASK: '255.0.255.0' }, key: 'dhcp.netmask', from: 'BRAMBLE_DHCP_NETMASK' },
  { name: 'router', file: { 'dhcp.router': 'gw' }, key: 'dhcp.router', from: 'config file' },
  { name: 'dns', file: { 'dhcp.dns': ['1.1.1.1', 'x'] }, key: 'dhcp.dns', from: 'config file' },
  { name: 'lease time', flags: { dhcpLeaseSeconds: '0' }, key: 'dhcp.leaseSeconds', from: '--dhcp-lease-time' },
  { name: 'probe', env: { BRAMBLE_DHCP_PROBE: 'TRUE!' }, key: 'dhcp.probe', from: 'BRAMBLE_DHCP_PROBE' },
  { name: 'data dir', env: { BRAMBLE_DATA_DIR: '' }, key: 'dataDir', from: 'BRAMBLE_DATA_DIR' },
  { name: 'log level', flags: { logLevel: 'verbose' }, key: 'logLevel', from: '--log-level' },
  // A bad value stays an error even when a higher layer overrides it: a broken config file must not hide.
  { name: 'bad file value under a good flag', file: { 'dhcp.mode': 'server' }, flags: { dhcpMode: 'full' }, key: 'dhcp.mode', from: 'config file' },
  { name: 'bad env value under a good flag', env: { BRAMBLE_HTTP_PORT: 'x' }, flags: { httpPort: 8080 }, key: 'http.port', from: 'BRAMBLE_HTTP_PORT' },
];

for (const b of bad) {
  test(`bad value stops with ConfigError: ${b.name}`, () => {
    assert.throws(
      () => mergeSettings(b.file ?? {}, b.env ?? {}, b.flags ?? {}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(error.code, 'CONFIG_INVALID');
        assert.equal(error.key, b.key);
        assert.ok(error.message.startsWith(`config: ${b.key}: `), error.message);
        assert.ok(error.message.includes(`from ${b.from}`), error.message);
        return true;
      },
    );
  });
}
