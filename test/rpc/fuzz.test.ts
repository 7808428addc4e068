// Fuzzing the RPC call decoder (RFC 5531 §9) and the TCP record-marking decoder (§11) with seeded random and
// mutated real captures (test/fixtures/rpc): nothing throws, every failure has a known code, and memory stays
// bounded: decoded payloads are views of the input, and the record decoder never holds more than its limit.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeRecord, frameRecord, RecordDecoder } from '../../src/rpc/record-marking.js';
import { decodeRpcCall, decodeRpcReply } from '../../src/rpc/rpc-message.js';
import type { RpcDecodeFailureCode } from '../../src/rpc/rpc-message.js';
import { randomBytes, randomInt, seededRandom } from '../support/seeded-random.js';
import { mutate } from './mutate-message.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc');
const captured = (suffix: string): Buffer[] =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => readFileSync(join(FIXTURES, f)));
const calls = captured('-call.bin');
const replies = captured('-reply.bin');

const CALL_CODES = new Set<RpcDecodeFailureCode>([
  'SHORT',
  'TOO_LONG',
  'BAD_BOOL',
  'BAD_ENUM',
  'BAD_PADDING',
  'UNSAFE_INTEGER',
  'BAD_MSG_TYPE',
  'WRONG_DIRECTION',
  'RPC_MISMATCH',
  'BAD_CRED',
  'BAD_VERF',
]);

function callInputs(count: number, seed: number): Buffer[] {
  const random = seededRandom(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 5 === 0) {
      const body = randomBytes(random, randomInt(random, 200));
      // Half behind a plausible header (xid, CALL, rpcvers 2) so the credential and verifier code is reached.
      out.push(random() < 0.5 ? Buffer.concat([Buffer.from('0000000100000000000000020001869f0000000300000000', 'hex'), body]) : body);
    } else {
      out.push(mutate(random, calls[randomInt(random, calls.length)]!));
    }
  }
  return out;
}

test('call decoder: 12,000 random and mutated calls give a call or a known failure, never a throw', () => {
  assert.ok(calls.length >= 5);
  const seen = new Map<string, number>();
  for (const input of callInputs(12_000, 0x5eed_0c01)) {
    for (const strictPadding of [false, true]) {
      const result = decodeRpcCall(input, { strictPadding });
      const key = result.ok ? 'ok' : result.code;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (!result.ok) {
        assert.ok(CALL_CODES.has(result.code), result.code);
        assert.equal(typeof result.detail, 'string');
        continue;
      }
      const { call } = result;
      // Bounded memory: the args and any credential body are views of the input, and lists are capped.
      assert.equal(call.args.buffer, input.buffer);
      assert.equal(call.argsOffset + call.args.length, input.length);
      assert.ok(call.verf.body.length <= 400);
      if (call.cred.flavor === 'sys') {
        assert.ok(call.cred.gids.length <= 16);
        assert.ok(call.cred.machinename.length <= 255);
      }
      if (call.cred.flavor === 'other') assert.equal(call.cred.body.buffer, input.buffer);
    }
  }
  // The mix reaches deep: decoded calls, and failures in the credential, the verifier and the header.
  for (const key of ['ok', 'SHORT', 'BAD_CRED', 'BAD_VERF', 'RPC_MISMATCH', 'BAD_MSG_TYPE']) {
    assert.ok((seen.get(key) ?? 0) > 0, `no input gave ${key}: ${JSON.stringify([...seen])}`);
  }
});

test('reply decoder: 10,000 mutated replies give a reply or a known failure, never a throw', () => {
  const random = seededRandom(0x5eed_0c02);
  let ok = 0;
  for (let i = 0; i < 10_000; i++) {
    const input = mutate(random, replies[randomInt(random, replies.length)]!);
    const result = decodeRpcReply(input);
    if (result.ok) ok++;
    else assert.ok(CALL_CODES.has(result.code), result.code);
  }
  assert.ok(ok > 0);
});

test('record decoder: 10,000 random streams in random chunks never throw, and hold at most the record limit', () => {
  const limits = { maxFragment: 2048, maxRecord: 4096 };
  const random = seededRandom(0x5eed_0c03);
  const int = (n: number): number => randomInt(random, n);
  const outcomes = new Map<string, number>();
  let recordsSeen = 0;
  for (let i = 0; i < 10_000; i++) {
    let stream: Buffer;
    switch (i % 4) {
      case 0: // pure noise: headers announce anything up to 2 GiB
        stream = randomBytes(random, int(300));
        break;
      case 1: // real calls, framed in random fragment sizes, then mutated
        stream = mutate(random, Buffer.concat(calls.slice(0, 1 + int(calls.length)).flatMap((c) => frameRecord([c], 1 + int(64)))));
        break;
      case 2: {
        // plausible headers with lengths around the limits
        const pieces: Buffer[] = [];
        for (let f = 0; f < 1 + int(6); f++) {
          const length = [int(64), limits.maxFragment, limits.maxFragment + 1, int(limits.maxRecord * 2), 0][int(5)]!;
          const header = Buffer.alloc(4);
          header.writeUInt32BE((random() < 0.5 ? 0x8000_0000 : 0) + length, 0);
          pieces.push(header, randomBytes(random, Math.min(length, int(3000))));
        }
        stream = Buffer.concat(pieces);
        break;
      }
      default: // well-formed framing of real calls: every record must come back whole
        stream = Buffer.concat(calls.map((c) => encodeRecord(c, 1 + int(40))));
    }
    const decoder = new RecordDecoder(limits);
    const records: Buffer[] = [];
    let error: string | null = null;
    let at = 0;
    while (at < stream.length) {
      const size = 1 + int(200);
      const pushed = decoder.push(stream.subarray(at, at + size));
      at += size;
      assert.ok(decoder.bufferedBytes <= limits.maxRecord + 3, `holding ${decoder.bufferedBytes} bytes`);
      for (const r of pushed.records) assert.ok(r.length <= limits.maxRecord);
      records.push(...pushed.records);
      if (pushed.error !== null) {
        assert.ok(pushed.error.code === 'FRAGMENT_TOO_LONG' || pushed.error.code === 'RECORD_TOO_LONG');
        error = pushed.error.code;
        assert.equal(decoder.push(Buffer.alloc(16)).error?.code, error, 'a failed stream stays failed');
        break;
      }
    }
    if (i % 4 === 3) assert.deepEqual(records, calls);
    // Whatever came out goes on to the call decoder, as it would in the server.
    for (const r of records) {
      const result = decodeRpcCall(r);
      assert.ok(result.ok || CALL_CODES.has(result.code));
    }
    recordsSeen += records.length;
    const key = error ?? 'clean';
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  assert.ok(recordsSeen > 0);
  for (const key of ['clean', 'FRAGMENT_TOO_LONG', 'RECORD_TOO_LONG']) {
    assert.ok((outcomes.get(key) ?? 0) > 0, `no stream ended ${key}: ${JSON.stringify([...outcomes])}`);
  }
});
