import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentFactsLimits, checkAgentFacts, type AgentFacts } from '../../src/inventory/agent-facts.js';

const empty = { disks: [], nics: [] } as const;

const fullReport = {
  hostname: 't14',
  kernel: '6.12.9-amd64',
  cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/nfs ip=dhcp',
  cpu: { model: 'AMD Ryzen 7 PRO 4750U with Radeon Graphics', cores: 8, threads: 16 },
  memoryBytes: 33_285_996_544,
  disks: [{ name: 'nvme0n1', sizeBytes: 512110190592, model: 'SAMSUNG MZVLB512HBJQ-000L7', rotational: false, removable: false }],
  nics: [{ name: 'enp2s0f0', mac: '48:2a:e3:5d:10:77', speedMbps: 1000, driver: 'r8169' }],
  manufacturer: 'LENOVO',
  product: '20UD0013GE',
  serial: 'PF2ABCDE',
  uuid: '4c4c4544-0042-3510-8051-b4c04f4e4d32',
  boardManufacturer: 'LENOVO',
  boardProduct: '20UD0013GE',
  biosVersion: 'R1BET65W(1.34 )',
} as const satisfies AgentFacts;

const good: readonly { name: string; body: unknown; facts: AgentFacts }[] = [
  { name: 'an empty object', body: {}, facts: empty },
  {
    name: 'nulls as the agent sends unknown facts',
    body: { format: 1, hostname: null, cpu: { model: null, cores: null }, memoryBytes: null, disks: null, nics: null, uuid: null },
    facts: empty,
  },
  {
    name: 'padded text is trimmed and blank text dropped',
    body: { manufacturer: '  LENOVO ', product: '   ', disks: [{ name: 'sda', model: 'ST4000DM004-2CV1    ' }] },
    facts: { disks: [{ name: 'sda', model: 'ST4000DM004-2CV1' }], nics: [], manufacturer: 'LENOVO' },
  },
  {
    name: 'MAC and UUID are normalised to the forms Machine uses',
    body: { uuid: 'B3C5E8A0-1D2E-4F3A-9B8C-94C691AABB01', nics: [{ name: 'eth0', mac: 'DC-A6-32-01-36-C2' }] },
    facts: { disks: [], nics: [{ name: 'eth0', mac: 'dc:a6:32:01:36:c2' }], uuid: 'b3c5e8a0-1d2e-4f3a-9b8c-94c691aabb01' },
  },
  {
    name: 'fields a newer agent adds are ignored',
    body: { hostname: 'pi', gpu: { model: 'VideoCore VI' }, disks: [{ name: 'sda', wwn: 'x' }] },
    facts: { hostname: 'pi', disks: [{ name: 'sda' }], nics: [] },
  },
  {
    name: 'a full report, with the nulls left out',
    body: {
      ...fullReport,
      format: 1,
      cpu: { ...fullReport.cpu, implementer: null, part: null },
      disks: [{ ...fullReport.disks[0], model: null }],
      deviceModel: null,
      piSerial: null,
    },
    facts: { ...fullReport, disks: [{ name: 'nvme0n1', sizeBytes: 512110190592, rotational: false, removable: false }] },
  },
];

for (const c of good) {
  test(`checkAgentFacts accepts ${c.name}`, () => {
    assert.deepEqual(checkAgentFacts(c.body), { ok: true, facts: c.facts });
  });
}

// Reports that are already in stored form come back as they went in.
const unchanged: readonly { name: string; facts: AgentFacts }[] = [
  {
    name: 'text at the limits, control characters and non-ASCII',
    facts: {
      hostname: 'h'.repeat(agentFactsLimits.hostname),
      cmdline: 'c'.repeat(agentFactsLimits.cmdline),
      product: 'Syst\u00e8me "X"\t\\1\u0001',
      nics: [{ name: 'we"ird\\nic\u00e9' }],
      disks: Array.from({ length: agentFactsLimits.disks }, (_, i) => ({ name: `sd${i}` })),
    },
  },
  { name: 'zero sizes and speeds', facts: { disks: [{ name: 'sr0', sizeBytes: 0 }], nics: [{ name: 'eth0', speedMbps: 0 }] } },
  { name: 'the largest exact sizes', facts: { memoryBytes: Number.MAX_SAFE_INTEGER, disks: [{ name: 'sda', sizeBytes: Number.MAX_SAFE_INTEGER }], nics: [] } },
];

for (const c of unchanged) {
  test(`checkAgentFacts keeps ${c.name} as they are`, () => {
    assert.deepEqual(checkAgentFacts(JSON.parse(JSON.stringify(c.facts))), { ok: true, facts: c.facts });
  });
}

const bad: readonly { name: string; body: unknown; field: string; error: RegExp }[] = [
  { name: 'a list instead of an object', body: [], field: 'body', error: /must be an object/ },
  { name: 'null', body: null, field: 'body', error: /must be an object/ },
  { name: 'a string', body: '{"hostname":"x"}', field: 'body', error: /must be an object/ },
  { name: 'another format', body: { format: 2 }, field: 'format', error: /format 1, not 2/ },
  { name: 'format as text', body: { format: '1' }, field: 'format', error: /not "1"/ },
  { name: 'a numeric hostname', body: { hostname: 42 }, field: 'hostname', error: /must be text, not 42/ },
  { name: 'a hostname too long', body: { hostname: 'h'.repeat(65) }, field: 'hostname', error: /at most 64 characters, not 65/ },
  { name: 'a command line too long', body: { cmdline: 'c'.repeat(4097) }, field: 'cmdline', error: /at most 4096/ },
  { name: 'a DMI string too long', body: { biosVersion: 'v'.repeat(257) }, field: 'biosVersion', error: /at most 256/ },
  { name: 'cpu as text', body: { cpu: 'i5' }, field: 'cpu', error: /must be an object/ },
  { name: 'fractional cores', body: { cpu: { cores: 1.5 } }, field: 'cpu.cores', error: /whole number from 1 to 65536, not 1.5/ },
  { name: 'zero threads', body: { cpu: { threads: 0 } }, field: 'cpu.threads', error: /from 1/ },
  { name: 'threads as text', body: { cpu: { threads: '8' } }, field: 'cpu.threads', error: /not "8"/ },
  { name: 'negative memory', body: { memoryBytes: -1 }, field: 'memoryBytes', error: /whole number/ },
  { name: 'memory beyond exact integers', body: { memoryBytes: 2 ** 53 }, field: 'memoryBytes', error: /whole number/ },
  { name: 'disks as an object', body: { disks: { sda: {} } }, field: 'disks', error: /must be a list/ },
  { name: 'too many disks', body: { disks: Array.from({ length: 257 }, (_, i) => ({ name: `sd${i}` })) }, field: 'disks', error: /at most 256 entries, not 257/ },
  { name: 'a disk that is text', body: { disks: ['sda'] }, field: 'disks[0]', error: /must be an object/ },
  { name: 'a disk without a name', body: { disks: [{ name: 'sda' }, { sizeBytes: 1 }] }, field: 'disks[1].name', error: /required/ },
  { name: 'a disk named blank', body: { disks: [{ name: '  ' }] }, field: 'disks[0].name', error: /required/ },
  { name: 'a disk name too long', body: { disks: [{ name: 'd'.repeat(33) }] }, field: 'disks[0].name', error: /at most 32/ },
  { name: 'a disk size as text', body: { disks: [{ name: 'sda', sizeBytes: '4TB' }] }, field: 'disks[0].sizeBytes', error: /not "4TB"/ },
  { name: 'rotational as 1', body: { disks: [{ name: 'sda', rotational: 1 }] }, field: 'disks[0].rotational', error: /true or false, not 1/ },
  { name: 'removable as text', body: { disks: [{ name: 'sda', removable: 'false' }] }, field: 'disks[0].removable', error: /true or false/ },
  { name: 'too many NICs', body: { nics: Array.from({ length: 257 }, (_, i) => ({ name: `eth${i}` })) }, field: 'nics', error: /at most 256/ },
  { name: 'a NIC name over IFNAMSIZ', body: { nics: [{ name: 'n'.repeat(16) }] }, field: 'nics[0].name', error: /at most 15/ },
  { name: 'a NIC with a broken MAC', body: { nics: [{ name: 'eth0', mac: '00:11:22:33:44' }] }, field: 'nics[0].mac', error: /MAC address/ },
  { name: 'a NIC with a MAC as a number', body: { nics: [{ name: 'eth0', mac: 17 }] }, field: 'nics[0].mac', error: /must be text/ },
  { name: 'a negative speed', body: { nics: [{ name: 'eth0', speedMbps: -1 }] }, field: 'nics[0].speedMbps', error: /whole number from 0/ },
  { name: 'a driver that is a list', body: { nics: [{ name: 'eth0', driver: ['e1000e'] }] }, field: 'nics[0].driver', error: /not a list/ },
  { name: 'a UUID that is not one', body: { uuid: 'not-a-uuid' }, field: 'uuid', error: /must be a UUID/ },
  { name: 'a serial as an object', body: { piSerial: { s: 1 } }, field: 'piSerial', error: /not an object/ },
  { name: 'a long bad value is quoted short', body: { cpu: { cores: 'x'.repeat(1000) } }, field: 'cpu.cores', error: /not "x{40}\.\.\."$/ },
];

for (const c of bad) {
  test(`checkAgentFacts rejects ${c.name}, naming ${c.field}`, () => {
    const result = checkAgentFacts(c.body);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.field, c.field);
    assert.match(result.error, c.error);
  });
}
