// NFSv3 file handles: round trips, the 64-byte limit, and no forgery or reuse across exports, secrets or versions.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { HANDLE_BYTES, handleSigner } from '../../src/nfs/file-handle.js';

const secret = Buffer.alloc(32, 7);

test('a handle round-trips its export, generation and 64-bit file id, and fits NFSv3 (≤ 64 bytes)', () => {
  const s = handleSigner(secret);
  for (const handle of [
    { exportId: 0, generation: 0, fileId: 0n },
    { exportId: 7, generation: 3, fileId: 2n ** 63n + 5n },
    { exportId: 0xffffffff, generation: 0xffffffff, fileId: 0xffffffffffffffffn },
  ]) {
    const bytes = s.encode(handle);
    assert.equal(bytes.length, HANDLE_BYTES);
    assert.ok(HANDLE_BYTES <= 64);
    assert.deepEqual(s.decode(bytes), { ok: true, handle });
  }
});

test('golden layout: version 2, export id, generation, file id, then 11 bytes of HMAC-SHA256 over them (28 in all)', () => {
  const bytes = handleSigner(secret).encode({ exportId: 0x01020304, generation: 5, fileId: 0x1122334455667788n });
  const body = '02' + '01020304' + '00000005' + '1122334455667788';
  assert.equal(bytes.toString('hex'), body + createHmac('sha256', secret).update(Buffer.from(body, 'hex')).digest().subarray(0, 11).toString('hex'));
  assert.equal(bytes.length, 28);
});

test('version 1 handles (16 bytes of HMAC, 33 in all) that clients hold from before still decode; a mix of the two does not', () => {
  const s = handleSigner(secret);
  const body = Buffer.from('01' + '00000007' + '00000002' + '000000000000002a', 'hex');
  const mac = createHmac('sha256', secret).update(body).digest();
  const v1 = Buffer.concat([body, mac.subarray(0, 16)]);
  assert.deepEqual(s.decode(v1), { ok: true, handle: { exportId: 7, generation: 2, fileId: 42n } });
  assert.equal(s.decode(Buffer.concat([body, mac.subarray(0, 11)])).ok, false, 'version 1 with a short signature');
  const v2 = s.encode({ exportId: 7, generation: 2, fileId: 42n });
  const relabelled = Buffer.concat([Buffer.from([1]), v2.subarray(1), mac.subarray(11, 16)]);
  assert.equal(s.decode(relabelled).ok, false, 'a version 2 handle passed off as version 1');
});

test('a handle of one export cannot be turned into a handle of another: changing any signed byte breaks it', () => {
  const s = handleSigner(secret);
  const bytes = s.encode({ exportId: 1, generation: 0, fileId: 42n });
  // Decoded first, so that the signer keeps it as verified: a near copy must still be checked on its own.
  assert.equal(s.decode(bytes).ok, true);
  for (let i = 0; i < bytes.length; i++) {
    const forged = Buffer.from(bytes);
    forged[i] = forged[i]! ^ 0x01;
    assert.deepEqual(s.decode(forged), { ok: false, code: 'BADHANDLE' }, `byte ${i} flipped`);
  }
  assert.equal(s.decode(bytes).ok, true, 'the real handle still decodes');
});

test('handles signed under another secret, of another length, or random bytes are BADHANDLE', () => {
  const s = handleSigner(secret);
  const other = handleSigner(Buffer.alloc(32, 8)).encode({ exportId: 1, generation: 0, fileId: 42n });
  assert.equal(s.decode(other).ok, false);
  const good = s.encode({ exportId: 1, generation: 0, fileId: 42n });
  assert.equal(s.decode(good.subarray(0, good.length - 1)).ok, false);
  assert.equal(s.decode(Buffer.concat([good, Buffer.alloc(1)])).ok, false);
  assert.equal(s.decode(Buffer.alloc(0)).ok, false);
  let accepted = 0;
  for (let i = 0; i < 10_000; i++) if (s.decode(randomBytes(HANDLE_BYTES)).ok) accepted++;
  assert.equal(accepted, 0);
});

test('a short secret is refused; out-of-range values are not encoded', () => {
  assert.throws(() => handleSigner(Buffer.alloc(16)), { code: 'WEAK_SECRET' });
  const s = handleSigner(secret);
  assert.throws(() => s.encode({ exportId: -1, generation: 0, fileId: 1n }), RangeError);
  assert.throws(() => s.encode({ exportId: 1, generation: 2 ** 32, fileId: 1n }), RangeError);
  assert.throws(() => s.encode({ exportId: 1, generation: 0, fileId: 2n ** 64n }), RangeError);
});
