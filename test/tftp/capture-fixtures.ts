// Captures real TFTP client packets (RFC 1350/2347) into test/fixtures/tftp for the codec's golden tests.
//
// atftp, curl and busybox run on loopback against a scripted responder; QEMU's iPXE ROM (BIOS) and OVMF (UEFI)
// boot against dnsmasq inside a throwaway namespace, recorded with tcpdump. Writes *.bin, *.pcap and manifest.json.
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTftp, encodeTftp } from '../../src/tftp/codec.js';
import type { TftpOption } from '../../src/tftp/codec.js';
import { startProcess } from '../support/managed-process.js';
import { sweepStaleNetns } from '../support/netns.js';
import { readPcapUdp } from '../support/pcap.js';
import { createTestLan } from '../support/test-lan.js';
import { homeRouterArgs } from '../vm/dnsmasq-args.js';
import { OVMF_VARS_TEMPLATE, qemuArgs } from '../vm/qemu-args.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tftp');
const CONTENT = Buffer.from('bramble capture\n');

export interface FixtureEntry {
  readonly file: string;
  readonly client: string;
  /** Packet kind as captured: rrq, wrq, ack, error. */
  readonly kind: string;
  readonly how: string;
}

interface Packet {
  readonly bytes: Buffer;
}

// ---------- loopback clients against a scripted responder ----------

/**
 * Answers one request the way a server would (OACK echoing what it understands, one short DATA block; WRQ gets
 * ERROR 2) and records every packet the client sends, in order.
 */
async function respondOnce(run: (port: number) => string[]): Promise<Packet[]> {
  const packets: Packet[] = [];
  const main = await bind(createSocket('udp4'));
  let transfer: Socket | null = null;
  const finished = new Promise<void>((resolve) => {
    main.once('message', (msg: Buffer, rinfo: RemoteInfo) => {
      packets.push({ bytes: Buffer.from(msg) });
      const decoded = decodeTftp(msg);
      void (async () => {
        transfer = await bind(createSocket('udp4'));
        const t = transfer;
        const reply = (buf: Buffer): void => void t.send(buf, rinfo.port, rinfo.address);
        if (!decoded.ok || decoded.packet.kind !== 'rrq') {
          reply(encodeTftp({ kind: 'error', code: 2, message: 'capture only' }));
          resolve();
          return;
        }
        const options = echoOptions(decoded.packet.options);
        t.on('message', (m: Buffer) => {
          packets.push({ bytes: Buffer.from(m) });
          const d = decodeTftp(m);
          if (!d.ok || d.packet.kind !== 'ack') return resolve();
          if (d.packet.block === 0) reply(encodeTftp({ kind: 'data', block: 1, data: CONTENT }));
          else resolve();
        });
        if (options.length > 0) reply(encodeTftp({ kind: 'oack', options }));
        else reply(encodeTftp({ kind: 'data', block: 1, data: CONTENT }));
      })();
    });
  });
  const argv = run(main.address().port);
  const child = startProcess(argv, { label: argv[0]! });
  try {
    await Promise.race([finished, new Promise((r) => setTimeout(r, 5000))]);
    await new Promise((r) => setTimeout(r, 300)); // a trailing packet (retransmitted ACK) is part of the story
  } finally {
    await child.stop(500);
    main.close();
    (transfer as Socket | null)?.close();
  }
  return packets;
}

function echoOptions(requested: readonly TftpOption[]): TftpOption[] {
  const known = new Set(['blksize', 'windowsize', 'timeout', 'tsize']);
  return requested
    .filter((o) => known.has(o.name.toLowerCase()))
    .map((o) => (o.name.toLowerCase() === 'tsize' ? { name: o.name, value: String(CONTENT.length) } : o));
}

interface LoopbackCase {
  readonly name: string;
  readonly argv: (port: number, scratch: string) => string[];
}

const loopbackCases: readonly LoopbackCase[] = [
  {
    name: 'atftp-blksize-windowsize',
    argv: (p, d) => ['atftp', '--option', 'blksize 1468', '--option', 'windowsize 16', '-g', '-r', 'pxelinux.0', '-l', join(d, 'x'), '127.0.0.1', String(p)],
  },
  {
    name: 'atftp-tsize-timeout',
    argv: (p, d) => ['atftp', '--option', 'tsize', '--option', 'timeout 3', '--option', 'blksize 1468', '-g', '-r', 'boot/grub/grub.cfg', '-l', join(d, 'x'), '127.0.0.1', String(p)],
  },
  {
    name: 'atftp-netascii',
    argv: (p, d) => ['atftp', '--option', 'mode netascii', '-g', '-r', 'README.txt', '-l', join(d, 'x'), '127.0.0.1', String(p)],
  },
  { name: 'curl-default', argv: (p, d) => ['curl', '-s', '-o', join(d, 'x'), `tftp://127.0.0.1:${p}/boot/vmlinuz`] },
  {
    name: 'curl-blksize-netascii',
    argv: (p, d) => ['curl', '-s', '--tftp-blksize', '1468', '-o', join(d, 'x'), `tftp://127.0.0.1:${p}/menu.txt;mode=netascii`],
  },
  { name: 'curl-no-options', argv: (p, d) => ['curl', '-s', '--tftp-no-options', '-o', join(d, 'x'), `tftp://127.0.0.1:${p}/plain.bin`] },
  {
    name: 'busybox-blksize',
    argv: (p, d) => ['busybox', 'tftp', '-g', '-r', 'pxelinux.cfg/default', '-l', join(d, 'x'), '-b', '1468', '127.0.0.1', String(p)],
  },
  { name: 'busybox-default', argv: (p, d) => ['busybox', 'tftp', '-g', '-r', 'plain.bin', '-l', join(d, 'x'), '127.0.0.1', String(p)] },
  { name: 'atftp-put', argv: (p, d) => ['atftp', '-p', '-l', join(d, 'up.txt'), '-r', 'up.txt', '127.0.0.1', String(p)] },
  { name: 'curl-put', argv: (p, d) => ['curl', '-s', '-T', join(d, 'up.txt'), `tftp://127.0.0.1:${p}/up.txt`] },
  { name: 'busybox-put', argv: (p, d) => ['busybox', 'tftp', '-p', '-l', join(d, 'up.txt'), '-r', 'up.txt', '127.0.0.1', String(p)] },
];

async function captureLoopback(entries: FixtureEntry[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'bramble-tftp-capture-'));
  try {
    writeFileSync(join(scratch, 'up.txt'), 'upload attempt\n');
    for (const c of loopbackCases) {
      let shown = '';
      const packets = await respondOnce((port) => {
        const argv = c.argv(port, scratch);
        shown = argv.join(' ').replaceAll(scratch, '$TMP').replace(String(port), '$PORT');
        return argv;
      });
      packets.forEach((p, i) => entries.push(save(`${c.name}-${i}`, c.name.split('-')[0]!, p.bytes, shown)));
      console.log(`${c.name}: ${packets.length} packets`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------- firmware in QEMU against dnsmasq, recorded by tcpdump ----------

async function captureFirmware(firmware: 'bios' | 'uefi', entries: FixtureEntry[]): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'bramble-tftp-capture-'));
  const lan = await createTestLan();
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const tap = await lan.addTap('tap0');
    const root = join(scratch, 'tftp');
    mkdirSync(root);
    copyFileSync('/usr/lib/ipxe/undionly.kpxe', join(root, 'undionly.kpxe'));
    copyFileSync('/usr/lib/ipxe/ipxe.efi', join(root, 'ipxe.efi'));
    const pcap = join(scratch, 'capture.pcap');
    // Only what the firmware sends to the server, minus DHCP: requests, ACKs and errors.
    const tcpdump = startProcess(
      lan.ns.argv(['tcpdump', '-i', lan.bridge, '-U', '-n', '-w', pcap, `udp and dst host ${lan.serverAddress} and not port 67 and not port 68`]),
      { label: 'tcpdump' },
    );
    stops.push(() => tcpdump.stop(2000));
    await tcpdump.waitFor(/listening on/, 10_000);
    // Every client gets a TFTP boot file, iPXE included: the iPXE ROM's own TFTP request is what we want.
    const dnsmasq = startProcess(
      lan.ns.argv([
        ...homeRouterArgs({ iface: lan.bridge, range: { first: '198.18.0.100', last: '198.18.0.150' }, leaseFile: join(scratch, 'leases') }),
        '--enable-tftp',
        `--tftp-root=${root}`,
        '--dhcp-match=set:efi64,option:client-arch,7',
        '--dhcp-boot=tag:efi64,ipxe.efi',
        '--dhcp-boot=tag:!efi64,undionly.kpxe',
      ]),
      { label: 'dnsmasq' },
    );
    stops.push(() => dnsmasq.stop(2000));
    const vars = join(scratch, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS_TEMPLATE, vars);
    const argv = qemuArgs({ firmware, tap, mac: '52:54:00:18:00:42', ovmfVars: vars });
    const qemu = startProcess(lan.ns.argv(argv), { label: `qemu-${firmware}` });
    stops.push(() => qemu.stop(2000));
    const file = firmware === 'bios' ? 'undionly\\.kpxe' : 'ipxe\\.efi';
    await dnsmasq.waitFor(new RegExp(`sent \\S*${file} to`), 180_000);
    await new Promise((r) => setTimeout(r, 1000));
    while (stops.length > 0) await stops.pop()!();
    const shown = `${argv.join(' ').replaceAll(scratch, '$TMP')}; dnsmasq TFTP; tcpdump on ${lan.bridge}`;
    copyFileSync(pcap, join(FIXTURES, `${firmware}-firmware.pcap`));
    const datagrams = readPcapUdp(readFileSync(pcap));
    const client = firmware === 'bios' ? 'ipxe-rom' : 'ovmf';
    let acks = 0;
    datagrams.forEach((d, i) => {
      const decoded = decodeTftp(d.payload);
      const kind = decoded.ok ? decoded.packet.kind : 'malformed';
      // Requests and errors all matter; a few ACKs are enough (the rest differ only in block number).
      if (kind === 'ack' && ++acks > 3) return;
      entries.push(save(`${client}-${i}`, client, d.payload, shown));
    });
    console.log(`${firmware}: ${datagrams.length} packets, kept ${entries.filter((e) => e.client === client).length}`);
  } finally {
    while (stops.length > 0) await stops.pop()!().catch(() => undefined);
    await lan.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------- output ----------

function save(name: string, client: string, bytes: Buffer, how: string): FixtureEntry {
  const decoded = decodeTftp(bytes);
  const kind = decoded.ok ? decoded.packet.kind : 'malformed';
  const file = `${name}-${kind}.bin`;
  writeFileSync(join(FIXTURES, file), bytes);
  return { file, client, kind, how };
}

function version(argv: readonly string[]): string {
  // Some tools print their version on stderr (atftp), some exit non-zero doing it (busybox).
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n')[0]?.trim() ?? 'unknown';
}

function bind(socket: Socket): Promise<Socket> {
  return new Promise((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, () => resolve(socket)));
}

const wanted = new Set(process.argv.slice(2));
const all = wanted.size === 0;
mkdirSync(FIXTURES, { recursive: true });
const manifestPath = join(FIXTURES, 'manifest.json');
const previous = (() => {
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8')) as { entries: FixtureEntry[]; tools: Record<string, string> };
  } catch {
    return { entries: [], tools: {} };
  }
})();
const entries: FixtureEntry[] = [];
const redo = (client: string): boolean =>
  all || (wanted.has('loopback') && ['atftp', 'curl', 'busybox'].includes(client)) ||
  (wanted.has('bios') && client === 'ipxe-rom') || (wanted.has('uefi') && client === 'ovmf');
for (const entry of previous.entries) {
  if (!redo(entry.client)) entries.push(entry);
  else rmSync(join(FIXTURES, entry.file), { force: true });
}
if (all || wanted.has('loopback')) await captureLoopback(entries);
if (all || wanted.has('bios') || wanted.has('uefi')) await sweepStaleNetns();
if (all || wanted.has('bios')) await captureFirmware('bios', entries);
if (all || wanted.has('uefi')) await captureFirmware('uefi', entries);
const tools = {
  ...previous.tools,
  atftp: version(['atftp', '-V']),
  curl: version(['curl', '--version']),
  busybox: version(['busybox']),
  qemu: version(['qemu-system-x86_64', '--version']),
  'ipxe-qemu': version(['dpkg-query', '-W', '-f', '${Version}', 'ipxe-qemu']),
  ovmf: version(['dpkg-query', '-W', '-f', '${Version}', 'ovmf']),
  ipxe: version(['dpkg-query', '-W', '-f', '${Version}', 'ipxe']),
};
writeFileSync(
  manifestPath,
  JSON.stringify({ captured: new Date().toISOString().slice(0, 10), tools, entries }, null, 2) + '\n',
);
console.log(`wrote ${entries.length} fixtures to ${FIXTURES}`);
