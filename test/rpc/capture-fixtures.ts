// Captures real ONC RPC exchanges (RFC 5531) with rpcbind into test/fixtures/rpc for the codecs' golden tests.
//
// Run as root, by hand (not part of the suite): `node --import tsx test/rpc/capture-fixtures.ts`. It needs
// Debian's rpcbind (rpcbind, rpcinfo), libnfs-utils (nfs-ls) and tcpdump. rpcbind binds every address and has no
// working loopback-only switch (Debian 1.2.6 `-h 127.0.0.1` crashes), so the script re-runs itself under
// `unshare -n`: rpcbind then lives in a private network namespace holding only lo, where tcpdump records each
// exchange. Clients are real (rpcinfo; nfs-ls, which sends AUTH_SYS) except the "crafted-*" calls: those are
// built by our encoder to provoke rpcbind's real PROC_UNAVAIL, GARBAGE_ARGS and AUTH_ERROR replies (it sends no
// RPC_MISMATCH: libtirpc drops a call whose rpcvers is not 2, so that reply's golden bytes are built by hand).
// Writes one *.bin per RPC message (record marks removed), *.stream for whole TCP client streams (record marks
// kept), the pcaps, and manifest.json.
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { AuthFlavor } from '../../src/rpc/auth.js';
import { encodeRecord, RecordDecoder } from '../../src/rpc/record-marking.js';
import { encodeRpcCall } from '../../src/rpc/rpc-message.js';
import type { RpcCallInput } from '../../src/rpc/rpc-message.js';
import { startProcess } from '../support/managed-process.js';
import { readPcapUdp } from '../support/pcap.js';
import { runCommand, runCommandStatus } from '../support/run-command.js';
import { readPcapTcpStreams } from './pcap-tcp.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc');
const INSIDE = '--inside-netns';
const PMAP = 100000;

export interface RpcFixtureEntry {
  readonly file: string;
  readonly scenario: string;
  readonly direction: 'call' | 'reply' | 'client-stream';
  readonly transport: 'tcp' | 'udp';
  readonly how: string;
}

interface Scenario {
  readonly name: string;
  readonly how: string;
  readonly run: () => Promise<void>;
}

const client = (argv: readonly string[]) => async (): Promise<void> => {
  // These clients report the errors we provoke with a non-zero exit; the capture is what matters.
  await runCommandStatus(argv, { timeoutMs: 15_000 });
};

const crafted = (call: RpcCallInput) => async (): Promise<void> => {
  await new Promise<void>((resolve) => {
    const socket = connect(111, '127.0.0.1');
    const records = new RecordDecoder();
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 3000);
    socket.on('connect', () => socket.write(encodeRecord(encodeRpcCall(call))));
    socket.on('data', (chunk: Buffer) => {
      if (records.push(chunk).records.length > 0) setTimeout(done, 100);
    });
    socket.on('error', done);
    socket.on('close', done);
  });
};

const scenarios: readonly Scenario[] = [
  { name: 'rpcinfo-dump', how: 'rpcinfo -p 127.0.0.1', run: client(['rpcinfo', '-p', '127.0.0.1']) },
  {
    name: 'rpcinfo-prog-mismatch',
    how: 'rpcinfo -T tcp 127.0.0.1 100000 9',
    run: client(['rpcinfo', '-T', 'tcp', '127.0.0.1', '100000', '9']),
  },
  {
    name: 'rpcinfo-prog-unavail',
    how: 'rpcinfo -a 127.0.0.1.0.111 -T tcp 100003 3 (NFS asked of rpcbind itself)',
    run: client(['rpcinfo', '-a', '127.0.0.1.0.111', '-T', 'tcp', '100003', '3']),
  },
  { name: 'rpcinfo-udp', how: 'rpcinfo -u 127.0.0.1 100000 2', run: client(['rpcinfo', '-u', '127.0.0.1', '100000', '2']) },
  {
    name: 'nfs-ls-getport',
    how: 'nfs-ls nfs://127.0.0.1/export (libnfs: NULL, then GETPORT for MOUNT v3/tcp, AUTH_SYS)',
    run: client(['nfs-ls', 'nfs://127.0.0.1/export']),
  },
  {
    name: 'crafted-rpcvers-3',
    how: 'our encoder: portmapper NULL with rpcvers 3; rpcbind (libtirpc) drops it unanswered, where RFC 5531 asks for RPC_MISMATCH',
    run: crafted({ xid: 0x0b0b0001, prog: PMAP, vers: 2, proc: 0, rpcvers: 3 }),
  },
  {
    name: 'crafted-proc-99',
    how: 'our encoder: portmapper v2 procedure 99',
    run: crafted({ xid: 0x0b0b0002, prog: PMAP, vers: 2, proc: 99 }),
  },
  {
    name: 'crafted-garbage-args',
    how: 'our encoder: portmapper v2 GETPORT with 4 bytes of arguments instead of 16',
    run: crafted({ xid: 0x0b0b0003, prog: PMAP, vers: 2, proc: 3, args: Buffer.from([0, 1, 0x86, 0xa5]) }),
  },
  {
    name: 'crafted-gss-cred',
    how: 'our encoder: portmapper NULL with an RPCSEC_GSS (flavor 6) credential rpcbind does not accept',
    run: crafted({
      xid: 0x0b0b0004,
      prog: PMAP,
      vers: 2,
      proc: 0,
      cred: { flavor: AuthFlavor.rpcsecGss, body: Buffer.from('0000000100000000000000000000000000000000', 'hex') },
    }),
  },
];

async function captureInside(): Promise<void> {
  await runCommand(['ip', 'link', 'set', 'lo', 'up']);
  mkdirSync('/run/rpcbind', { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'bramble-rpc-capture-'));
  const rpcbind = startProcess(['rpcbind', '-f'], { label: 'rpcbind' });
  const manifest: RpcFixtureEntry[] = [];
  try {
    await waitForPort111();
    mkdirSync(FIXTURES, { recursive: true });
    for (const s of scenarios) {
      const pcapPath = join(work, `${s.name}.pcap`);
      const tcpdump = startProcess(['tcpdump', '-i', 'lo', '--immediate-mode', '-U', '-n', '-w', pcapPath, 'port', '111'], { label: 'tcpdump' });
      await tcpdump.waitFor(/listening on/, 10_000);
      await s.run();
      await new Promise((r) => setTimeout(r, 300));
      await tcpdump.stop();
      const pcap = readFileSync(pcapPath);
      writeFileSync(join(FIXTURES, `${s.name}.pcap`), pcap);
      manifest.push(...saveMessages(s, pcap));
    }
  } finally {
    await rpcbind.stop();
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(FIXTURES, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${manifest.length} fixtures to ${FIXTURES}`);
}

function saveMessages(s: Scenario, pcap: Buffer): RpcFixtureEntry[] {
  const out: RpcFixtureEntry[] = [];
  const save = (suffix: string, direction: RpcFixtureEntry['direction'], transport: 'tcp' | 'udp', bytes: Buffer): void => {
    const file = `${s.name}-${suffix}`;
    writeFileSync(join(FIXTURES, file), bytes);
    out.push({ file, scenario: s.name, direction, transport, how: s.how });
  };
  let connection = 0;
  for (const stream of readPcapTcpStreams(pcap)) {
    if (stream.dstPort !== 111) continue;
    const back = readPcapTcpStreams(pcap).find((b) => b.srcPort === 111 && b.dstPort === stream.srcPort);
    const calls = recordsOf(stream.bytes);
    const replies = back === undefined ? [] : recordsOf(back.bytes);
    if (calls.length > 1) save(`c${connection}.stream`, 'client-stream', 'tcp', stream.bytes);
    calls.forEach((c, i) => save(`c${connection}-${i}-call.bin`, 'call', 'tcp', c));
    replies.forEach((r, i) => save(`c${connection}-${i}-reply.bin`, 'reply', 'tcp', r));
    connection++;
  }
  readPcapUdp(pcap).forEach((d, i) => save(`udp-${i}-${d.dstPort === 111 ? 'call' : 'reply'}.bin`, d.dstPort === 111 ? 'call' : 'reply', 'udp', d.payload));
  return out;
}

function recordsOf(stream: Buffer): Buffer[] {
  const pushed = new RecordDecoder().push(stream);
  if (pushed.error !== null) throw new Error(`capture: ${pushed.error.detail}`);
  return pushed.records.map((r) => Buffer.from(r));
}

async function waitForPort111(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(111, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('rpcbind did not listen on 127.0.0.1:111');
}

if (process.argv.includes(INSIDE)) {
  await captureInside();
} else {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', self, INSIDE], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
