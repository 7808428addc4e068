// 10,000 NFSv3 calls, valid and mangled, against the NFS program over a machine's layered view: every call is
// answered or refused as undecodable (never another exception), the golden folder never changes, and the layer's
// log still opens afterwards with the same state.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { authSysCredential, decodeCredential, type Credential } from '../../src/rpc/auth.js';
import { silentLogger } from '../../src/log/logger.js';
import { handleSigner } from '../../src/nfs/file-handle.js';
import { nfsProgram } from '../../src/nfs/nfs-program.js';
import { NFS3_CODECS } from '../../src/nfs/nfs3-procedures.js';
import type { Nfs3ProcName } from '../../src/nfs/nfs3-program.js';
import { exportHandle, type ServedExport } from '../../src/nfs/served-export.js';
import { openGoldenView } from '../../src/nfs/view/golden-view.js';
import { openLayeredView } from '../../src/nfs/view/layered-view.js';
import { XdrDecodeError } from '../../src/rpc/xdr-error.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';
import { randomBytes, randomInt, seededRandom } from '../support/seeded-random.js';
import { SAMPLES } from './nfs3-samples.js';
import { folderManifest } from './folder-manifest.js';

/** The sample arguments of a procedure with their leading handle (every NFSv3 call starts with one) swapped for `fh`. */
function withHandle(name: Nfs3ProcName, sample: unknown, fh: Buffer): Buffer {
  const w = new XdrWriter();
  NFS3_CODECS[name].encodeArgs(w, sample as never);
  const bytes = w.toBuffer();
  if (name === 'null') return bytes;
  const oldLength = bytes.readUInt32BE(0);
  const rest = bytes.subarray(4 + Math.ceil(oldLength / 4) * 4);
  const head = Buffer.alloc(4 + Math.ceil(fh.length / 4) * 4);
  head.writeUInt32BE(fh.length, 0);
  fh.copy(head, 4);
  return Buffer.concat([head, rest]);
}

test('10,000 valid and mangled NFSv3 calls: each answered or refused as undecodable; golden untouched; the layer reopens', { timeout: 120_000 }, async (t) => {
  const top = await mkdtemp(join(tmpdir(), 'bramble-nfs-fuzz-'));
  t.after(() => rm(top, { recursive: true, force: true }));
  const golden = join(top, 'golden');
  await mkdir(join(golden, 'etc'), { recursive: true });
  await writeFile(join(golden, 'etc', 'hostname'), 'golden\n');
  await writeFile(join(golden, 'big'), Buffer.alloc(100_000, 1));
  await symlink('etc', join(golden, 'link'));
  const before = await folderManifest(golden);
  const layerFolder = join(top, 'layer');
  const goldenView = await openGoldenView(golden);
  const view = await openLayeredView({ golden: goldenView, folder: layerFolder, log: silentLogger() });
  const signer = handleSigner(Buffer.alloc(32, 9));
  const exp: ServedExport = { id: 7, generation: () => 1, rule: { allow: { kind: 'address', address: '127.0.0.1' }, rootSquash: false, readOnly: false }, view, fsid: 7n };
  const program = nfsProgram({ signer, exportById: (id) => (id === 7 ? exp : undefined), writeVerifier: Buffer.alloc(8, 1), log: silentLogger() });

  const ids = [view.rootId];
  for (const path of [['etc'], ['etc', 'hostname'], ['big'], ['link']]) {
    let id = view.rootId;
    for (const name of path) {
      const found = await view.lookup(id, name);
      assert.ok(found.ok);
      id = found.value;
    }
    ids.push(id);
  }
  const handles = ids.map((id) => exportHandle(signer, exp, id));
  const users: Credential[] = [0, 1000, 65534].map((uid) => {
    const decoded = decodeCredential(authSysCredential({ stamp: 1, machinename: 'fuzz', uid, gid: uid, gids: [uid] }));
    assert.ok(decoded.ok);
    return decoded.credential;
  });
  // NULL is answered by the RPC server itself, for every program.
  const names = (Object.keys(NFS3_CODECS) as Nfs3ProcName[]).filter((n) => n !== 'null');
  const random = seededRandom(0x0f5_2049);
  const outcomes = { answered: 0, undecodable: 0 };

  for (let i = 0; i < 10_000; i++) {
    const name = names[randomInt(random, names.length)]!;
    const samples = SAMPLES[name].args;
    let args = withHandle(name, samples[randomInt(random, samples.length)], handles[randomInt(random, handles.length)]!);
    switch (randomInt(random, 5)) {
      case 0: // as made
        break;
      case 1: // flipped bytes
        args = Buffer.from(args);
        for (let f = 0; f < 1 + randomInt(random, 4); f++) if (args.length > 0) args[randomInt(random, args.length)]! ^= 1 << randomInt(random, 8);
        break;
      case 2: // cut short
        args = args.subarray(0, randomInt(random, args.length + 1));
        break;
      case 3: // trailing garbage
        args = Buffer.concat([args, randomBytes(random, randomInt(random, 64))]);
        break;
      default: // noise
        args = randomBytes(random, randomInt(random, 200));
    }
    const results = new XdrWriter();
    const context = {
      call: { xid: i } as never,
      args: new XdrReader(args),
      auth: users[randomInt(random, users.length)]!,
      client: { address: randomInt(random, 10) === 0 ? '198.18.0.9' : '127.0.0.1', port: 700, transport: 'tcp' as const },
      local: { address: '127.0.0.1', port: 2049 },
      maxReplyBytes: randomInt(random, 4) === 0 ? 8192 : Infinity,
    };
    try {
      await program.procedures.get(NFS3_CODECS[name].proc)!(context, results);
      outcomes.answered++;
      assert.ok(results.length >= 4, `${name}: a status at least`);
    } catch (error) {
      assert.ok(error instanceof XdrDecodeError, `${name} threw ${String(error)}`);
      outcomes.undecodable++;
    }
    results.sent();
  }
  assert.ok(outcomes.answered > 3000 && outcomes.undecodable > 1000, JSON.stringify(outcomes));
  t.diagnostic(`answered ${outcomes.answered}, undecodable ${outcomes.undecodable}`);

  await view.close();
  assert.deepEqual(await folderManifest(golden), before, 'the golden folder is unchanged');
  // The log replays into a view that answers; what the calls made is still there.
  const again = await openLayeredView({ golden: await openGoldenView(golden), folder: layerFolder, log: silentLogger() });
  const listed = await again.readdir(again.rootId, 0n, 0n, 1000);
  assert.ok(listed.ok);
  assert.ok(listed.value.entries.some((e) => e.name === 'etc'));
  await again.close();
});
