// DHCP codec: golden real captures, round trips, RFC 3396 long options and overload, one test per malformed input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import type { DhcpDecodeErrorCode } from '../../src/dhcp/codec.js';
import type { DhcpMessage } from '../../src/dhcp/message.js';
import { DhcpOption } from '../../src/dhcp/options.js';
import { captureNames, loadCapture } from './support/fixtures.js';

function decodeOk(buf: Uint8Array): DhcpMessage {
  const result = decodeDhcp(buf);
  if (!result.ok) assert.fail(`decode failed: ${result.error.code} ${result.error.message}`);
  return result.message;
}

function expectError(buf: Uint8Array, code: DhcpDecodeErrorCode, option?: number): void {
  const result = decodeDhcp(buf);
  assert.equal(result.ok, false, 'decode should fail');
  if (result.ok) return;
  assert.equal(result.error.code, code, result.error.message);
  if (option !== undefined) assert.equal(result.error.option, option);
}

/** A real capture's header and cookie followed by the given option bytes. */
function withOptionBytes(bytes: readonly number[]): Buffer {
  const base = loadCapture('udhcpc-discover');
  return Buffer.concat([base.subarray(0, 240), Buffer.from(bytes)]);
}

describe('decodeDhcp on real captures', () => {
  for (const name of captureNames) {
    test(`${name}: decodes, and encode(decode(x)) gives back the same bytes`, () => {
      const raw = loadCapture(name);
      const message = decodeOk(raw);
      assert.equal(message.op, 1);
      assert.equal(message.htype, 1);
      assert.equal(message.hlen, 6);
      assert.ok(message.options.has(DhcpOption.MessageType));
      // None of these clients overload or split options, so the encoding is canonical and byte-identical.
      assert.deepEqual(encodeDhcp(message), raw);
    });
  }

  test('ipxe-bios-discover: header fields and options as iPXE sent them', () => {
    const message = decodeOk(loadCapture('ipxe-bios-discover'));
    assert.deepEqual([...message.options.keys()], [53, 57, 93, 94, 60, 77, 55, 175, 61, 97]);
    assert.equal(message.options.get(DhcpOption.UserClass)!.toString('latin1'), 'iPXE');
    assert.equal(message.options.get(DhcpOption.MaxMessageSize)!.readUInt16BE(0), 1472);
    assert.equal(message.options.get(DhcpOption.IpxeEncapsulated)!.length, 48);
    assert.equal(message.ciaddr, '0.0.0.0');
    assert.equal(message.giaddr, '0.0.0.0');
    assert.equal(message.flags, 0);
    assert.equal(message.file.length, 0);
  });

  test('ovmf-request: selecting state carries server id and requested address', () => {
    const message = decodeOk(loadCapture('ovmf-request'));
    assert.equal(message.options.get(DhcpOption.MessageType)![0], 3);
    assert.deepEqual([...message.options.get(DhcpOption.ServerIdentifier)!], [198, 18, 0, 1]);
    assert.equal(message.options.get(DhcpOption.RequestedAddress)![0], 198);
    assert.equal(message.flags, 0x8000);
  });

  test('decode(encode(decode(x))) equals decode(x) for every capture', () => {
    for (const name of captureNames) {
      const once = decodeOk(loadCapture(name));
      assert.deepEqual(decodeOk(encodeDhcp(once)), once, name);
    }
  });
});

describe('RFC 3396 long options and option overload', () => {
  const base = decodeOk(loadCapture('ovmf-discover'));
  const long = Buffer.from(Array.from({ length: 600 }, (_, i) => i % 251));

  test('a 600-byte option is sent as 255 + 255 + 90 byte instances and joined again on decode', () => {
    const options = new Map(base.options);
    options.set(DhcpOption.VendorSpecific, long);
    const wire = encodeDhcp({ ...base, options });
    const instances: number[] = [];
    for (let i = 240; wire[i] !== 255; ) {
      if (wire[i] === 0) {
        i += 1;
        continue;
      }
      if (wire[i] === DhcpOption.VendorSpecific) instances.push(wire[i + 1]!);
      i += 2 + wire[i + 1]!;
    }
    assert.deepEqual(instances, [255, 255, 90]);
    assert.deepEqual(decodeOk(wire).options.get(DhcpOption.VendorSpecific), long);
  });

  test('split instances of one option anywhere in the field are concatenated in order', () => {
    const wire = withOptionBytes([53, 1, 1, 60, 3, 0x50, 0x58, 0x45, 12, 2, 0x61, 0x62, 60, 2, 0x43, 0x6c, 255]);
    const message = decodeOk(wire);
    assert.equal(message.options.get(DhcpOption.VendorClass)!.toString(), 'PXECl');
    assert.equal(message.options.get(DhcpOption.HostName)!.toString(), 'ab');
  });

  test('options beyond the client maximum spill into file and sname with option 52, and decode back', () => {
    const options = new Map(base.options);
    options.set(DhcpOption.VendorSpecific, Buffer.alloc(200, 7));
    options.set(DhcpOption.DomainName, Buffer.from('a'.repeat(150)));
    const message: DhcpMessage = { ...base, options };
    const wire = encodeDhcp(message, { maxLength: 548 });
    assert.ok(wire.length <= 548, `encoded ${wire.length} bytes`);
    const decoded = decodeDhcp(wire);
    assert.ok(decoded.ok);
    if (!decoded.ok) return;
    assert.ok(wire[240] === DhcpOption.Overload, 'option 52 leads the options field');
    assert.deepEqual(decoded.message.options, options);
    assert.equal(decoded.message.file.length, 0);
  });

  test('decode reads options from file (overload 1) and sname (overload 2) in RFC 3396 order', () => {
    const wire = Buffer.from(loadCapture('udhcpc-discover'));
    wire.fill(0, 44, 236);
    Buffer.from([60, 2, 0x63, 0x64, 255]).copy(wire, 44); // sname: second half
    Buffer.from([60, 2, 0x61, 0x62, 12, 1, 0x68, 255]).copy(wire, 108); // file: first half
    const options = Buffer.from([53, 1, 1, 52, 1, 3, 255]);
    wire.fill(0, 240);
    options.copy(wire, 240);
    const message = decodeOk(wire);
    assert.equal(message.options.get(DhcpOption.VendorClass)!.toString(), 'abcd');
    assert.equal(message.options.get(DhcpOption.HostName)!.toString(), 'h');
    assert.equal(message.sname.length, 0);
    assert.equal(message.file.length, 0);
  });

  test('replies are padded to 300 bytes', () => {
    const small: DhcpMessage = { ...base, options: new Map([[DhcpOption.MessageType, Buffer.from([2])]]) };
    assert.equal(encodeDhcp(small).length, 300);
  });
});

describe('decodeDhcp rejects malformed input', () => {
  const capture = loadCapture('ipxe-bios-discover');

  test('empty datagram', () => expectError(Buffer.alloc(0), 'TRUNCATED_HEADER'));
  test('truncated header', () => expectError(capture.subarray(0, 100), 'TRUNCATED_HEADER'));
  test('header without the magic cookie', () => expectError(capture.subarray(0, 238), 'TRUNCATED_HEADER'));
  test('op neither BOOTREQUEST nor BOOTREPLY', () => {
    const bad = Buffer.from(capture);
    bad[0] = 3;
    expectError(bad, 'BAD_OP');
  });
  test('hlen > 16', () => {
    const bad = Buffer.from(capture);
    bad[2] = 17;
    expectError(bad, 'BAD_HLEN');
  });
  test('bad magic cookie', () => {
    const bad = Buffer.from(capture);
    bad.writeUInt32BE(0x63825364, 236);
    expectError(bad, 'BAD_MAGIC');
  });
  test('option running past the end of the datagram', () => expectError(capture.subarray(0, 270), 'OPTION_OVERRUN'));
  test('option code with no length byte at the very end', () => expectError(withOptionBytes([53, 1, 1, 60]), 'OPTION_OVERRUN', 60));
  test('missing END', () => expectError(withOptionBytes([53, 1, 1, 60, 3, 0x50, 0x58, 0x45]), 'MISSING_END'));
  test('only padding, no END', () => expectError(withOptionBytes([0, 0, 0, 0]), 'MISSING_END'));
  test('zero-length message type', () => expectError(withOptionBytes([53, 0, 255]), 'BAD_OPTION_LENGTH', 53));
  test('zero-length vendor class', () => expectError(withOptionBytes([53, 1, 1, 60, 0, 255]), 'BAD_OPTION_LENGTH', 60));
  test('server identifier of 3 bytes', () => expectError(withOptionBytes([53, 1, 3, 54, 3, 1, 2, 3, 255]), 'BAD_OPTION_LENGTH', 54));
  test('requested address of 5 bytes', () => expectError(withOptionBytes([53, 1, 3, 50, 5, 1, 2, 3, 4, 5, 255]), 'BAD_OPTION_LENGTH', 50));
  test('client architecture of odd length', () => expectError(withOptionBytes([53, 1, 1, 93, 3, 0, 0, 7, 255]), 'BAD_OPTION_LENGTH', 93));
  test('client identifier of one byte', () => expectError(withOptionBytes([53, 1, 1, 61, 1, 1, 255]), 'BAD_OPTION_LENGTH', 61));
  test('router list not a multiple of 4', () => expectError(withOptionBytes([53, 1, 1, 3, 6, 1, 2, 3, 4, 5, 6, 255]), 'BAD_OPTION_LENGTH', 3));
  test('overload value out of range', () => expectError(withOptionBytes([53, 1, 1, 52, 1, 4, 255]), 'BAD_OVERLOAD', 52));
  test('option overrun inside an overloaded file field', () => {
    const bad = withOptionBytes([53, 1, 1, 52, 1, 1, 255]);
    bad.fill(0, 108, 236);
    Buffer.from([60, 200]).copy(bad, 230);
    expectError(bad, 'OPTION_OVERRUN', 60);
  });
  test('option 52 inside the overloaded field', () => {
    const bad = withOptionBytes([53, 1, 1, 52, 1, 1, 255]);
    bad.fill(0, 108, 236);
    Buffer.from([52, 1, 2, 255]).copy(bad, 108);
    expectError(bad, 'BAD_OVERLOAD', 52);
  });
});
