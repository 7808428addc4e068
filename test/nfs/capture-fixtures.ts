// Captures real NFSv3 and MOUNT v3 exchanges (RFC 1813) with nfs-ganesha into test/fixtures/nfs for the codecs'
// golden tests.
//
// Run as root, by hand (not part of the suite): `node --import tsx test/nfs/capture-fixtures.ts`. It needs
// Debian's nfs-ganesha and nfs-ganesha-vfs, rpcbind, libnfs-utils (nfs-ls, nfs-cat, nfs-cp) and tcpdump. The
// script re-runs itself under `unshare -n`, so ganesha, rpcbind (ganesha registers MOUNT and NFS there, and
// libnfs asks it for the MOUNT port) and every client live in a private network namespace holding only lo.
// Ganesha exports a temporary folder over NFSv3/TCP (NFS on 2049, MOUNT on 20048). Scenarios named "libnfs-*"
// are the real client; "crafted-*" are calls built by our own encoders (test/nfs/nfs3-test-client.ts) to reach
// procedures and error arms libnfs's tools never send, so their replies are ganesha's real answers while their
// call bytes are ours. Writes one *.bin per RPC message (record marks removed; portmapper traffic left out, it
// is in test/fixtures/rpc), the pcaps, and manifest.json naming each message's program and procedure.
import { connect } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Mount3Proc, mount3ProcName, MOUNT_PROGRAM, decodeDumpRes, decodeExportRes, decodeMntRes, writeDirpath } from '../../src/nfs/mount3.js';
import { nfs3ProcName, NFS_PROGRAM } from '../../src/nfs/nfs3-program.js';
import { SATTR3_NONE } from '../../src/nfs/nfs3-sattr.js';
import { Nfs3Status } from '../../src/nfs/nfs3-status.js';
import { Access3, Ftype3, StableHow } from '../../src/nfs/nfs3-types.js';
import type { NfsFh3 } from '../../src/nfs/nfs3-types.js';
import { RecordDecoder } from '../../src/rpc/record-marking.js';
import { decodeRpcCall } from '../../src/rpc/rpc-message.js';
import { startProcess } from '../support/managed-process.js';
import { runCommand, runCommandStatus } from '../support/run-command.js';
import { readPcapTcpStreams } from '../rpc/pcap-tcp.js';
import { connectNfs3 } from './nfs3-test-client.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'nfs');
const INSIDE = '--inside-netns';
const NFS_PORT = 2049;
const MOUNT_PORT = 20048;

export interface NfsFixtureEntry {
  readonly file: string;
  readonly scenario: string;
  readonly direction: 'call' | 'reply';
  readonly program: 'nfs' | 'mount';
  /** The procedure's RFC name (NFSPROC3_READ, MOUNTPROC3_MNT). */
  readonly procedure: string;
  readonly proc: number;
  readonly xid: number;
  readonly how: string;
}

interface Scenario {
  readonly name: string;
  readonly how: string;
  readonly run: (exportPath: string) => Promise<void>;
}

const libnfs = (argv: (exportPath: string) => string[]) => async (exportPath: string): Promise<void> => {
  const result = await runCommandStatus(argv(exportPath), { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`${argv(exportPath).join(' ')}: ${result.stderr}`);
};

const url = (exportPath: string, rest = ''): string => `nfs://127.0.0.1${exportPath}${rest}`;

const scenarios: readonly Scenario[] = [
  { name: 'libnfs-ls-r', how: 'nfs-ls -R nfs://127.0.0.1/<export>', run: libnfs((e) => ['nfs-ls', '-R', url(e)]) },
  { name: 'libnfs-ls-summary', how: 'nfs-ls -s nfs://127.0.0.1/<export>', run: libnfs((e) => ['nfs-ls', '-s', url(e)]) },
  { name: 'libnfs-cat', how: 'nfs-cat nfs://127.0.0.1/<export>/hello.txt', run: libnfs((e) => ['nfs-cat', url(e, '/hello.txt')]) },
  {
    name: 'libnfs-cp-in',
    how: 'nfs-cp <local 3000-byte file> nfs://127.0.0.1/<export>/copied.bin',
    run: libnfs((e) => ['nfs-cp', join(dirname(e), 'local.bin'), url(e, '/copied.bin')]),
  },
  {
    name: 'libnfs-cp-out',
    how: 'nfs-cp nfs://127.0.0.1/<export>/copied.bin <local file>',
    run: libnfs((e) => ['nfs-cp', url(e, '/copied.bin'), join(dirname(e), 'back.bin')]),
  },
  { name: 'crafted-mount', how: 'our encoders: MNT (ok and NOENT), EXPORT, DUMP, UMNT, UMNTALL', run: craftedMount },
  { name: 'crafted-nfs', how: 'our encoders: every NFSv3 procedure, with error arms', run: craftedNfs },
];

async function craftedMount(exportPath: string): Promise<void> {
  const c = await connectNfs3(MOUNT_PORT);
  try {
    const mnt = await c.mount(Mount3Proc.mnt, (w) => writeDirpath(w, exportPath), decodeMntRes);
    if (mnt.status !== 0) throw new Error(`MNT failed: ${mnt.status}`);
    await c.mount(Mount3Proc.mnt, (w) => writeDirpath(w, '/no/such/export'), decodeMntRes);
    await c.mount(Mount3Proc.export, () => {}, decodeExportRes);
    await c.mount(Mount3Proc.dump, () => {}, decodeDumpRes);
    await c.mount(Mount3Proc.umnt, (w) => writeDirpath(w, exportPath), () => null);
    await c.mount(Mount3Proc.umntall, () => {}, () => null);
  } finally {
    c.close();
  }
}

async function craftedNfs(exportPath: string): Promise<void> {
  const m = await connectNfs3(MOUNT_PORT, undefined, 0x4d4e0001);
  let root: NfsFh3;
  try {
    const mnt = await m.mount(Mount3Proc.mnt, (w) => writeDirpath(w, exportPath), decodeMntRes);
    if (mnt.status !== 0) throw new Error(`MNT failed: ${mnt.status}`);
    root = mnt.fhandle;
  } finally {
    m.close();
  }
  const c = await connectNfs3(NFS_PORT);
  const handle = (res: { status: number; object?: NfsFh3; obj?: NfsFh3 | null }, what: string): NfsFh3 => {
    const fh = res.object ?? res.obj ?? null;
    if (res.status !== Nfs3Status.ok || fh === null) throw new Error(`${what}: status ${res.status}`);
    return fh;
  };
  const verf = Buffer.from('b7a3b1e0c0ffee01', 'hex');
  const zeroVerf = Buffer.alloc(8);
  try {
    await c.nfs('null', null);
    await c.nfs('getattr', { object: root });
    await c.nfs('getattr', { object: Buffer.alloc(8) });
    await c.nfs('fsstat', { fsroot: root });
    await c.nfs('fsinfo', { fsroot: root });
    await c.nfs('pathconf', { object: root });
    await c.nfs('access', { object: root, access: 0x3f });
    const hello = handle(await c.nfs('lookup', { what: { dir: root, name: 'hello.txt' } }), 'LOOKUP hello.txt');
    await c.nfs('lookup', { what: { dir: root, name: 'missing' } });
    await c.nfs('access', { object: hello, access: Access3.read | Access3.modify });
    await c.nfs('setattr', { object: hello, newAttributes: { ...SATTR3_NONE, mode: 0o600 }, guard: null });
    await c.nfs('setattr', {
      object: hello,
      newAttributes: { ...SATTR3_NONE, atime: { how: 'server' }, mtime: { how: 'client', time: { seconds: 1_000_000_000, nseconds: 5 } } },
      guard: { seconds: 1, nseconds: 2 },
    });
    const made = handle(await c.nfs('mkdir', { where: { dir: root, name: 'made' }, attributes: { ...SATTR3_NONE, mode: 0o755 } }), 'MKDIR');
    await c.nfs('create', { where: { dir: made, name: 'inner.txt' }, how: { mode: 'unchecked', attributes: SATTR3_NONE } });
    const file = handle(
      await c.nfs('create', { where: { dir: root, name: 'new.txt' }, how: { mode: 'unchecked', attributes: { ...SATTR3_NONE, mode: 0o644 } } }),
      'CREATE',
    );
    await c.nfs('create', { where: { dir: root, name: 'new.txt' }, how: { mode: 'guarded', attributes: SATTR3_NONE } });
    await c.nfs('create', { where: { dir: root, name: 'excl.txt' }, how: { mode: 'exclusive', verf } });
    const data = Buffer.alloc(600, 0x61);
    await c.nfs('write', { file, offset: 0, stable: StableHow.unstable, data });
    await c.nfs('write', { file, offset: 600, stable: StableHow.fileSync, data: Buffer.from('tail\n') });
    await c.nfs('commit', { file, offset: 0, count: 0 });
    await c.nfs('read', { file, offset: 0, count: 4096 });
    await c.nfs('read', { file, offset: 100, count: 10 });
    const link = handle(
      await c.nfs('symlink', { where: { dir: root, name: 'sym' }, symlinkAttributes: SATTR3_NONE, symlinkData: 'hello.txt' }),
      'SYMLINK',
    );
    await c.nfs('readlink', { symlink: link });
    await c.nfs('readlink', { symlink: file });
    await c.nfs('mknod', { where: { dir: root, name: 'fifo' }, what: { type: Ftype3.fifo, pipeAttributes: { ...SATTR3_NONE, mode: 0o644 } } });
    await c.nfs('mknod', {
      where: { dir: root, name: 'null-dev' },
      what: { type: Ftype3.chr, devAttributes: { ...SATTR3_NONE, mode: 0o666 }, spec: { specdata1: 1, specdata2: 3 } },
    });
    await c.nfs('mknod', { where: { dir: root, name: 'reg' }, what: { type: Ftype3.reg } });
    await c.nfs('link', { file: hello, link: { dir: root, name: 'hard.txt' } });
    await c.nfs('rename', { from: { dir: root, name: 'new.txt' }, to: { dir: made, name: 'renamed.txt' } });
    await c.nfs('rename', { from: { dir: root, name: 'missing' }, to: { dir: root, name: 'x' } });
    await c.nfs('readdir', { dir: root, cookie: 0n, cookieverf: zeroVerf, count: 4096 });
    await c.nfs('readdir', { dir: root, cookie: 0n, cookieverf: zeroVerf, count: 300 });
    await c.nfs('readdirplus', { dir: root, cookie: 0n, cookieverf: zeroVerf, dircount: 1024, maxcount: 8192 });
    await c.nfs('readdirplus', { dir: root, cookie: 0n, cookieverf: zeroVerf, dircount: 512, maxcount: 1024 });
    await c.nfs('rmdir', { object: { dir: root, name: 'made' } });
    await c.nfs('remove', { object: { dir: made, name: 'renamed.txt' } });
    await c.nfs('remove', { object: { dir: made, name: 'inner.txt' } });
    await c.nfs('remove', { object: { dir: root, name: 'missing' } });
    await c.nfs('rmdir', { object: { dir: root, name: 'made' } });
  } finally {
    c.close();
  }
}

async function captureInside(): Promise<void> {
  await runCommand(['ip', 'link', 'set', 'lo', 'up']);
  mkdirSync('/run/rpcbind', { recursive: true });
  mkdirSync('/var/run/ganesha', { recursive: true });
  mkdirSync('/var/lib/nfs/ganesha', { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'bramble-nfs-capture-'));
  const exportPath = join(work, 'export');
  prepareTree(work, exportPath);
  const config = join(work, 'ganesha.conf');
  writeFileSync(config, ganeshaConfig(exportPath));
  const rpcbind = startProcess(['rpcbind', '-f'], { label: 'rpcbind' });
  let ganesha: ReturnType<typeof startProcess> | null = null;
  const manifest: NfsFixtureEntry[] = [];
  try {
    await waitForPort(111);
    ganesha = startProcess(
      ['ganesha.nfsd', '-F', '-f', config, '-L', join(work, 'ganesha.log'), '-p', join(work, 'ganesha.pid'), '-N', 'NIV_EVENT'],
      { label: 'ganesha' },
    );
    await waitForPort(NFS_PORT);
    await waitForPort(MOUNT_PORT);
    mkdirSync(FIXTURES, { recursive: true });
    for (const s of scenarios) {
      const pcapPath = join(work, `${s.name}.pcap`);
      const tcpdump = startProcess(
        ['tcpdump', '-i', 'lo', '--immediate-mode', '-U', '-n', '-w', pcapPath, `tcp port ${NFS_PORT} or tcp port ${MOUNT_PORT}`],
        { label: 'tcpdump' },
      );
      await tcpdump.waitFor(/listening on/, 10_000);
      await s.run(exportPath);
      await new Promise((r) => setTimeout(r, 300));
      await tcpdump.stop();
      const pcap = readFileSync(pcapPath);
      writeFileSync(join(FIXTURES, `${s.name}.pcap`), pcap);
      manifest.push(...saveMessages(s, pcap));
    }
  } finally {
    await ganesha?.stop(5000);
    await rpcbind.stop();
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(FIXTURES, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${manifest.length} fixtures to ${FIXTURES}`);
}

function prepareTree(work: string, exportPath: string): void {
  mkdirSync(join(exportPath, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(exportPath, 'hello.txt'), 'hello from ganesha\n');
  writeFileSync(join(exportPath, 'sub', 'deeper', 'nested.txt'), 'nested\n');
  symlinkSync('../hello.txt', join(exportPath, 'sub', 'link-to-hello'));
  // Enough names that nfs-ls -R needs more than one READDIRPLUS page for this folder.
  mkdirSync(join(exportPath, 'many'));
  for (let i = 0; i < 120; i++) writeFileSync(join(exportPath, 'many', `file-with-a-longer-name-${String(i).padStart(3, '0')}`), '');
  const local = Buffer.alloc(3000);
  for (let i = 0; i < local.length; i++) local[i] = (i * 7) & 0xff;
  writeFileSync(join(work, 'local.bin'), local);
}

function ganeshaConfig(exportPath: string): string {
  // Bind_addr is left out: ganesha's lookup of 127.0.0.1 fails in a namespace with only lo, and lo is all there is.
  return `NFS_CORE_PARAM {
  Protocols = 3;
  NFS_Port = ${NFS_PORT};
  MNT_Port = ${MOUNT_PORT};
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
}
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 1;
  Path = ${exportPath};
  Pseudo = /export;
  Access_Type = RW;
  Squash = No_Root_Squash;
  Protocols = 3;
  Transports = TCP;
  SecType = sys;
  FSAL { Name = VFS; }
}
`;
}

function saveMessages(s: Scenario, pcap: Buffer): NfsFixtureEntry[] {
  const out: NfsFixtureEntry[] = [];
  const streams = readPcapTcpStreams(pcap);
  let seq = 0;
  for (const stream of streams) {
    if (stream.dstPort !== NFS_PORT && stream.dstPort !== MOUNT_PORT) continue;
    const back = streams.find((b) => b.srcPort === stream.dstPort && b.dstPort === stream.srcPort);
    const replies = new Map<number, Buffer>();
    for (const r of back === undefined ? [] : recordsOf(back.bytes)) replies.set(r.readUInt32BE(0), r);
    for (const call of recordsOf(stream.bytes)) {
      const decoded = decodeRpcCall(call);
      if (!decoded.ok) throw new Error(`capture: undecodable call in ${s.name}: ${decoded.code}`);
      const { xid, prog, proc } = decoded.call;
      const program = prog === NFS_PROGRAM ? 'nfs' : prog === MOUNT_PROGRAM ? 'mount' : null;
      if (program === null) throw new Error(`capture: call to program ${prog} in ${s.name}`);
      const procedure = program === 'nfs' ? nfs3ProcName(proc) : mount3ProcName(proc);
      const short = procedure.replace(/^[A-Z]+PROC3_/, '').toLowerCase();
      const base = `${s.name}-${String(seq++).padStart(2, '0')}-${program}-${short}`;
      const save = (direction: 'call' | 'reply', bytes: Buffer): void => {
        const file = `${base}-${direction}.bin`;
        writeFileSync(join(FIXTURES, file), bytes);
        out.push({ file, scenario: s.name, direction, program, procedure, proc, xid, how: s.how });
      };
      save('call', call);
      const reply = replies.get(xid);
      if (reply !== undefined) save('reply', reply);
    }
  }
  return out;
}

function recordsOf(stream: Buffer): Buffer[] {
  const pushed = new RecordDecoder({ maxRecord: 16 * 1024 * 1024, maxFragment: 16 * 1024 * 1024 }).push(stream);
  if (pushed.error !== null) throw new Error(`capture: ${pushed.error.detail}`);
  return pushed.records.map((r) => Buffer.from(r));
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port}`);
}

if (process.argv.includes(INSIDE)) {
  await captureInside();
} else {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', self, INSIDE], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
