// RpcCallContext.keepArgs over TCP: a handler that keeps its call's bytes past the reply (an NFS WRITE still going
// to its file) finds them unchanged however many calls reuse the record pool meanwhile, and kept bytes still count
// against the connection's in-flight limit until they are given back. Both ways the transport reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import type { RpcProgram } from '../../src/rpc/rpc-program.js';
import { createRpcServer, type RpcServerLimits } from '../../src/rpc/rpc-server.js';
import { kernelModes, type KernelMode } from './kernel-modes.js';
import { connectTcp, successResults, xdrArgs } from './rpc-test-client.js';

const PROG = 0x2000_0778;
const Proc = { keep: 1, length: 2 } as const;
/** Larger than one socket read, so that every record is joined into a pooled buffer. */
const PAYLOAD = 200 * 1024;

interface Kept {
  readonly data: Uint8Array;
  readonly giveBack: () => void;
}

/** `keep` answers at once but keeps its opaque argument; `length` answers its argument's length. */
function keepingProgram(kept: Kept[]): RpcProgram {
  return {
    prog: PROG,
    vers: { low: 1, high: 1 },
    name: 'keeping',
    procedures: new Map([
      [
        Proc.keep,
        (context, results) => {
          const data = context.args.opaque(1 << 20);
          assert.ok(context.keepArgs !== undefined, 'TCP offers keepArgs');
          kept.push({ data, giveBack: context.keepArgs() });
          results.uint(data.length);
        },
      ],
      [Proc.length, (context, results) => void results.uint(context.args.opaque(1 << 20).length)],
    ]),
  };
}

async function serve(t: TestContext, mode: KernelMode, kept: Kept[], limits: RpcServerLimits = {}): Promise<number> {
  const server = createRpcServer({
    address: '127.0.0.1',
    tcpPort: 0,
    udpPort: null,
    programs: [keepingProgram(kept)],
    log: silentLogger(),
    limits,
    ...(mode.kernelSend === undefined ? {} : { kernelSend: mode.kernelSend }),
  });
  const ports = await server.start();
  t.after(() => server.stop());
  return ports.tcp!;
}

const opaqueOf = (byte: number): Buffer => xdrArgs((w) => w.opaque(Buffer.alloc(PAYLOAD, byte)));

for (const mode of kernelModes('read by Node', 'read through the shared buffer')) {
  test(`kept arguments stay as they came while later calls reuse the record pool (${mode.how})`, async (t) => {
    const kept: Kept[] = [];
    const port = await serve(t, mode, kept);
    const client = await connectTcp(port);
    t.after(() => client.close());
    assert.equal(successResults(await client.call({ xid: 1, prog: PROG, vers: 1, proc: Proc.keep, args: opaqueOf(0x11) })).uint(), PAYLOAD);
    for (let xid = 2; xid < 22; xid++) {
      assert.equal(successResults(await client.call({ xid, prog: PROG, vers: 1, proc: Proc.length, args: opaqueOf(0x22) })).uint(), PAYLOAD);
    }
    assert.equal(kept.length, 1);
    const { data, giveBack } = kept[0]!;
    assert.equal(data.length, PAYLOAD);
    assert.ok(data.every((b) => b === 0x11), 'the kept record was not handed to a later call');
    giveBack();
    giveBack(); // twice is once
    assert.equal(successResults(await client.call({ xid: 30, prog: PROG, vers: 1, proc: Proc.length, args: opaqueOf(0x33) })).uint(), PAYLOAD);
  });

  test(`kept bytes count against the connection's in-flight limit until given back (${mode.how})`, async (t) => {
    const kept: Kept[] = [];
    const port = await serve(t, mode, kept, { maxInFlightBytesPerConnection: 64 * 1024 });
    const client = await connectTcp(port);
    t.after(() => client.close());
    await client.call({ xid: 1, prog: PROG, vers: 1, proc: Proc.keep, args: opaqueOf(0x11) });
    const next = client.call({ xid: 2, prog: PROG, vers: 1, proc: Proc.length, args: opaqueOf(0x22) });
    const early = await Promise.race([next.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
    assert.equal(early, 'waiting', 'the next call is not read while the kept record fills the limit');
    kept[0]!.giveBack();
    assert.equal(successResults(await next).uint(), PAYLOAD);
  });
}
