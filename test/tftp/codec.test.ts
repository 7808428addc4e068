// Codec tests (RFC 1350 §5, RFC 2347): golden bytes captured from real clients, round trips, malformed inputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeTftp, encodeTftp, writeDataHeader } from '../../src/tftp/codec.js';
import type { TftpDecodeFailure, TftpPacket } from '../../src/tftp/codec.js';
import { readPcapUdp } from '../support/pcap.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tftp');
const fixture = (file: string): Buffer => readFileSync(join(FIXTURES, file));
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  entries: Array<{ file: string; client: string; kind: string }>;
};

const opts = (...pairs: Array<[string, string]>): Array<{ name: string; value: string }> =>
  pairs.map(([name, value]) => ({ name, value }));

/** What each capture must decode to, known from how the client was run (see manifest.json "how"). */
const golden: ReadonlyArray<{ readonly file: string; readonly packet: TftpPacket }> = [
  {
    file: 'ipxe-rom-0-rrq.bin',
    packet: { kind: 'rrq', filename: 'undionly.kpxe', mode: 'octet', options: opts(['blksize', '1432'], ['tsize', '0']) },
  },
  { file: 'ipxe-rom-1-ack.bin', packet: { kind: 'ack', block: 0 } },
  { file: 'ipxe-rom-3-ack.bin', packet: { kind: 'ack', block: 2 } },
  {
    file: 'ovmf-0-rrq.bin',
    packet: {
      kind: 'rrq',
      filename: 'ipxe.efi',
      mode: 'octet',
      options: opts(['tsize', '0'], ['blksize', '1468'], ['windowsize', '4']),
    },
  },
  // EDK2's size probe: it reads tsize from the OACK, then aborts with ERROR 8.
  { file: 'ovmf-1-error.bin', packet: { kind: 'error', code: 8, message: 'User aborted the transfer' } },
  {
    file: 'ovmf-2-rrq.bin',
    packet: { kind: 'rrq', filename: 'ipxe.efi', mode: 'octet', options: opts(['blksize', '1468'], ['windowsize', '4']) },
  },
  {
    file: 'atftp-blksize-windowsize-0-rrq.bin',
    packet: { kind: 'rrq', filename: 'pxelinux.0', mode: 'octet', options: opts(['blksize', '1468'], ['windowsize', '16']) },
  },
  {
    file: 'atftp-tsize-timeout-0-rrq.bin',
    packet: {
      kind: 'rrq',
      filename: 'boot/grub/grub.cfg',
      mode: 'octet',
      options: opts(['tsize', '0'], ['timeout', '3'], ['blksize', '1468']),
    },
  },
  { file: 'atftp-netascii-0-rrq.bin', packet: { kind: 'rrq', filename: 'README.txt', mode: 'netascii', options: [] } },
  { file: 'atftp-netascii-1-ack.bin', packet: { kind: 'ack', block: 1 } },
  {
    file: 'curl-default-0-rrq.bin',
    packet: {
      kind: 'rrq',
      filename: 'boot/vmlinuz',
      mode: 'octet',
      options: opts(['tsize', '0'], ['blksize', '512'], ['timeout', '6']),
    },
  },
  {
    file: 'curl-blksize-netascii-0-rrq.bin',
    packet: {
      kind: 'rrq',
      filename: 'menu.txt',
      mode: 'netascii',
      options: opts(['tsize', '0'], ['blksize', '1468'], ['timeout', '6']),
    },
  },
  { file: 'curl-no-options-0-rrq.bin', packet: { kind: 'rrq', filename: 'plain.bin', mode: 'octet', options: [] } },
  {
    file: 'busybox-blksize-0-rrq.bin',
    packet: {
      kind: 'rrq',
      filename: 'pxelinux.cfg/default',
      mode: 'octet',
      options: opts(['blksize', '1468'], ['tsize', '0']),
    },
  },
  { file: 'busybox-default-0-rrq.bin', packet: { kind: 'rrq', filename: 'plain.bin', mode: 'octet', options: opts(['tsize', '0']) } },
  { file: 'busybox-default-2-ack.bin', packet: { kind: 'ack', block: 1 } },
  { file: 'atftp-put-0-wrq.bin', packet: { kind: 'wrq', filename: 'up.txt', mode: 'octet', options: [] } },
  {
    file: 'curl-put-0-wrq.bin',
    packet: { kind: 'wrq', filename: 'up.txt', mode: 'octet', options: opts(['tsize', '15'], ['blksize', '512'], ['timeout', '6']) },
  },
  { file: 'busybox-put-0-wrq.bin', packet: { kind: 'wrq', filename: 'up.txt', mode: 'octet', options: opts(['tsize', '15']) } },
];

for (const { file, packet } of golden) {
  test(`golden: ${file} decodes to what the client was asked to send`, () => {
    const decoded = decodeTftp(fixture(file));
    assert.equal(decoded.ok, true, JSON.stringify(decoded));
    if (decoded.ok) assert.deepEqual(decoded.packet, packet);
  });
}

test('golden: every captured packet decodes and re-encodes to the very same bytes', () => {
  assert.ok(manifest.entries.length >= 25, `only ${manifest.entries.length} captures`);
  for (const entry of manifest.entries) {
    const bytes = fixture(entry.file);
    const decoded = decodeTftp(bytes);
    assert.equal(decoded.ok, true, `${entry.file}: ${JSON.stringify(decoded)}`);
    if (!decoded.ok) continue;
    assert.equal(decoded.packet.kind, entry.kind, entry.file);
    assert.deepEqual(encodeTftp(decoded.packet), bytes, entry.file);
  }
});

test('golden: the firmware .bin files are the payloads in the committed tcpdump captures', () => {
  for (const [pcap, client] of [
    ['bios-firmware.pcap', 'ipxe-rom'],
    ['uefi-firmware.pcap', 'ovmf'],
  ] as const) {
    const payloads = readPcapUdp(fixture(pcap)).map((d) => d.payload);
    const files = manifest.entries.filter((e) => e.client === client);
    assert.ok(files.length >= 4, `${client}: ${files.length} files`);
    for (const entry of files) {
      const index = Number(/-(\d+)-\w+\.bin$/.exec(entry.file)?.[1]);
      assert.deepEqual(payloads[index], fixture(entry.file), entry.file);
    }
  }
});

const roundTrips: readonly TftpPacket[] = [
  { kind: 'rrq', filename: 'a', mode: 'octet', options: [] },
  { kind: 'rrq', filename: 'EFI\\BOOT\\bootx64.efi', mode: 'OCTET', options: opts(['BlkSize', '1468'], ['tsize', '0']) },
  { kind: 'rrq', filename: 'caf\u00e9', mode: 'octet', options: opts(['tsize', '']) },
  { kind: 'wrq', filename: 'up', mode: 'netascii', options: opts(['tsize', '15']) },
  { kind: 'data', block: 0, data: new Uint8Array(0) },
  { kind: 'data', block: 65535, data: new Uint8Array([1, 2, 3, 0, 255]) },
  { kind: 'ack', block: 0 },
  { kind: 'ack', block: 65535 },
  { kind: 'error', code: 0, message: 'Early terminate' },
  { kind: 'error', code: 5, message: '' },
  { kind: 'oack', options: opts(['blksize', '1468'], ['windowsize', '16'], ['tsize', '33554432']) },
  { kind: 'oack', options: [] },
];

for (const packet of roundTrips) {
  test(`round trip: ${packet.kind} ${JSON.stringify(packet).slice(0, 80)}`, () => {
    const decoded = decodeTftp(encodeTftp(packet));
    assert.equal(decoded.ok, true);
    if (!decoded.ok) return;
    if (packet.kind === 'data' && decoded.packet.kind === 'data') {
      assert.equal(decoded.packet.block, packet.block);
      assert.deepEqual(Buffer.from(decoded.packet.data), Buffer.from(packet.data));
    } else {
      assert.deepEqual(decoded.packet, packet);
    }
  });
}

test('writeDataHeader writes opcode 3 and the block number modulo 65536 in place', () => {
  const buf = Buffer.alloc(10, 0xee);
  writeDataHeader(buf, 3, 65536 + 258);
  assert.deepEqual([...buf], [0xee, 0xee, 0xee, 0, 3, 1, 2, 0xee, 0xee, 0xee]);
});

test('padding NULs after the last option (some PXE ROMs) are tolerated', () => {
  const padded = Buffer.concat([fixture('ipxe-rom-0-rrq.bin'), Buffer.alloc(7)]);
  const decoded = decodeTftp(padded);
  assert.equal(decoded.ok, true);
  if (decoded.ok && decoded.packet.kind === 'rrq') assert.deepEqual(decoded.packet.options, opts(['blksize', '1432'], ['tsize', '0']));
});

test('an ERROR without its closing NUL still decodes (it ends the transfer either way)', () => {
  const decoded = decodeTftp(Buffer.from('\x00\x05\x00\x00Early terminate', 'latin1'));
  assert.deepEqual(decoded, { ok: true, packet: { kind: 'error', code: 0, message: 'Early terminate' } });
});

const malformed: ReadonlyArray<{ readonly name: string; readonly bytes: Buffer; readonly code: TftpDecodeFailure }> = [
  { name: 'empty datagram', bytes: Buffer.alloc(0), code: 'short' },
  { name: 'one byte', bytes: Buffer.from([0]), code: 'short' },
  { name: 'unknown opcode 7', bytes: Buffer.from('\x00\x07file\x00octet\x00', 'latin1'), code: 'unknown-opcode' },
  { name: 'opcode 0', bytes: Buffer.from([0, 0, 0, 1]), code: 'unknown-opcode' },
  { name: 'opcode 0x0101', bytes: Buffer.from([1, 1, 0, 1]), code: 'unknown-opcode' },
  { name: 'RRQ of opcode only', bytes: Buffer.from([0, 1]), code: 'short' },
  { name: 'RRQ missing the NUL after the mode', bytes: Buffer.from('\x00\x01file\x00octet', 'latin1'), code: 'missing-nul' },
  { name: 'RRQ missing every NUL', bytes: Buffer.from('\x00\x01fileoctet', 'latin1'), code: 'missing-nul' },
  { name: 'RRQ with an empty filename', bytes: Buffer.from('\x00\x01\x00octet\x00', 'latin1'), code: 'empty-filename' },
  { name: 'RRQ without a mode', bytes: Buffer.from('\x00\x01file\x00', 'latin1'), code: 'empty-mode' },
  { name: 'RRQ with an empty mode', bytes: Buffer.from('\x00\x01file\x00\x00blksize\x00512\x00', 'latin1'), code: 'empty-mode' },
  {
    name: 'RRQ with an option name and no value (odd count)',
    bytes: Buffer.from('\x00\x01file\x00octet\x00blksize\x00', 'latin1'),
    code: 'odd-options',
  },
  {
    name: 'RRQ with three option fields (odd count)',
    bytes: Buffer.from('\x00\x01file\x00octet\x00blksize\x001468\x00tsize\x00', 'latin1'),
    code: 'odd-options',
  },
  {
    name: 'RRQ whose last option value lacks its NUL',
    bytes: Buffer.from('\x00\x01file\x00octet\x00blksize\x001468', 'latin1'),
    code: 'missing-nul',
  },
  {
    name: 'RRQ with an empty option name',
    bytes: Buffer.from('\x00\x01file\x00octet\x00\x00512\x00', 'latin1'),
    code: 'empty-option-name',
  },
  { name: 'WRQ missing NUL', bytes: Buffer.from('\x00\x02up', 'latin1'), code: 'missing-nul' },
  { name: 'DATA without a block number', bytes: Buffer.from([0, 3, 0]), code: 'short' },
  { name: 'ACK of three bytes', bytes: Buffer.from([0, 4, 0]), code: 'short' },
  { name: 'ERROR without a code', bytes: Buffer.from([0, 5, 0]), code: 'short' },
  { name: 'OACK with odd options', bytes: Buffer.from('\x00\x06blksize\x00', 'latin1'), code: 'odd-options' },
  { name: 'OACK missing NUL', bytes: Buffer.from('\x00\x06blksize\x00512', 'latin1'), code: 'missing-nul' },
];

for (const { name, bytes, code } of malformed) {
  test(`malformed: ${name} -> ${code}`, () => {
    const decoded = decodeTftp(bytes);
    assert.equal(decoded.ok, false);
    if (!decoded.ok) {
      assert.equal(decoded.code, code);
      assert.ok(decoded.detail.length > 0);
    }
  });
}

test('malformed: a bad blksize value decodes (the codec does not judge values; negotiation ignores it)', () => {
  const decoded = decodeTftp(Buffer.from('\x00\x01file\x00octet\x00blksize\x00abc\x00', 'latin1'));
  assert.equal(decoded.ok, true);
  if (decoded.ok && decoded.packet.kind === 'rrq') assert.deepEqual(decoded.packet.options, opts(['blksize', 'abc']));
});

test('DATA decoding does not copy the payload', () => {
  const bytes = Buffer.from([0, 3, 0, 9, 1, 2, 3]);
  const decoded = decodeTftp(bytes);
  assert.equal(decoded.ok && decoded.packet.kind === 'data' && decoded.packet.data.buffer === bytes.buffer, true);
});
