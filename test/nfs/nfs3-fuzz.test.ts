// Fuzzing every NFSv3 and MOUNT v3 decoder (RFC 1813) with seeded random bytes and mutated real arguments and
// results from test/fixtures/nfs: each input decodes or fails with a typed XdrDecodeError, never anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XdrDecodeError } from '../../src/rpc/xdr-error.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import * as mount from '../../src/nfs/mount3.js';
import { NFS3_CODECS } from '../../src/nfs/nfs3-procedures.js';
import { randomBytes, randomInt, seededRandom } from '../support/seeded-random.js';
import type { Random } from '../support/seeded-random.js';
import { mutate } from '../rpc/mutate-message.js';
import { loadMessages } from './nfs-fixtures.js';

const messages = loadMessages();
const argDecoders: ((r: XdrReader) => unknown)[] = [
  ...Object.values(NFS3_CODECS).map((c) => c.decodeArgs),
  mount.decodeMntArgs,
  mount.decodeUmntArgs,
];
const resDecoders: ((r: XdrReader) => unknown)[] = [
  ...Object.values(NFS3_CODECS).map((c) => c.decodeRes),
  mount.decodeMntRes,
  mount.decodeDumpRes,
  mount.decodeExportRes,
];

function inputs(random: Random, bodies: readonly Buffer[], count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 5 === 0) {
      // Half of the random ones start with a plausible file handle so the fields after it are reached.
      const body = randomBytes(random, randomInt(random, 160));
      out.push(random() < 0.5 ? Buffer.concat([Buffer.from('0000001c', 'hex'), Buffer.alloc(28, 7), body]) : body);
    } else {
      out.push(mutate(random, bodies[randomInt(random, bodies.length)]!));
    }
  }
  return out;
}

/** Runs every decoder over the input, counting outcomes by code; any untyped throw fails the test. */
function decodeAll(input: Buffer, decoders: readonly ((r: XdrReader) => unknown)[], codes: Map<string, number>): void {
  for (const decode of decoders) {
    for (const strictPadding of [false, true]) {
      try {
        decode(new XdrReader(input, { strictPadding }));
        codes.set('ok', (codes.get('ok') ?? 0) + 1);
      } catch (err) {
        if (!(err instanceof XdrDecodeError)) assert.fail(`untyped ${String(err)} from ${input.toString('hex')}`);
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
    }
  }
}

test('argument decoders: 12,000 seeded random and mutated arguments through all 22 NFSv3 and both MOUNT decoders', () => {
  const bodies = messages.filter((m) => m.entry.direction === 'call' && m.body.length > 0).map((m) => m.body);
  assert.ok(bodies.length >= 80);
  const codes = new Map<string, number>();
  for (const input of inputs(seededRandom(0x5eed_0f53), bodies, 12_000)) decodeAll(input, argDecoders, codes);
  for (const code of ['ok', 'SHORT', 'TOO_LONG', 'BAD_ENUM', 'BAD_BOOL', 'UNSAFE_INTEGER']) assert.ok((codes.get(code) ?? 0) > 0, `reached ${code}`);
});

test('result decoders: 10,000 seeded random and mutated results through every NFSv3 and MOUNT result decoder', () => {
  const bodies = messages.filter((m) => m.entry.direction === 'reply' && m.body.length > 0).map((m) => m.body);
  assert.ok(bodies.length >= 80);
  const codes = new Map<string, number>();
  for (const input of inputs(seededRandom(0x5eed_0f54), bodies, 10_000)) decodeAll(input, resDecoders, codes);
  for (const code of ['ok', 'SHORT', 'TOO_LONG', 'BAD_ENUM', 'BAD_BOOL']) assert.ok((codes.get(code) ?? 0) > 0, `reached ${code}`);
});

test('decoded WRITE data of mutated requests stays a view inside the request', () => {
  const writes = messages.filter((m) => m.entry.direction === 'call' && m.entry.procedure === 'NFSPROC3_WRITE').map((m) => m.body);
  const random = seededRandom(0x5eed_0f55);
  let decoded = 0;
  for (let i = 0; i < 2000; i++) {
    const input = mutate(random, writes[randomInt(random, writes.length)]!);
    try {
      const args = NFS3_CODECS.write.decodeArgs(new XdrReader(input));
      decoded++;
      assert.equal(args.data.buffer, input.buffer);
      assert.ok(args.data.byteOffset + args.data.length <= input.byteOffset + input.length);
    } catch (err) {
      assert.ok(err instanceof XdrDecodeError);
    }
  }
  assert.ok(decoded > 0);
});
