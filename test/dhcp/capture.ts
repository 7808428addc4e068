// Reproduces the golden captures in test/fixtures/dhcp/ from real DHCP clients (RFC 2131 requests as sent).

// QEMU with the iPXE option ROM (BIOS), OVMF's own UEFI PXE and HTTP boot, busybox udhcpc and ISC dhclient, each in
// a network namespace of its own against dnsmasq, recorded with tcpdump. Needs root and the Debian packages
// qemu-system-x86 ipxe-qemu ovmf busybox-static isc-dhcp-client dnsmasq-base tcpdump.
// Usage: node --import tsx test/dhcp/capture.ts [outdir] [ipxe-bios|ovmf|ovmf-http|udhcpc|dhclient ...]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import { createNetns } from '../support/netns.js';
import type { Netns } from '../support/netns.js';
import { readPcapUdp } from '../support/pcap.js';
import { runCommandStatus } from '../support/run-command.js';
import { addVeth } from './support/veth.js';

type ClientName = 'ipxe-bios' | 'ovmf' | 'ovmf-http' | 'udhcpc' | 'dhclient';

interface Wanted {
  /** File name part: <client>-<label>.bin */
  readonly label: string;
  readonly type: number;
  /** Option 60 prefix the message must carry, when it matters (OVMF tries PXE before HTTP boot). */
  readonly vendorPrefix?: string;
}

interface CaptureSpec {
  readonly name: ClientName;
  readonly mac: string;
  readonly want: readonly Wanted[];
  readonly timeoutMs: number;
}

const discover: Wanted = { label: 'discover', type: 1 };
const request: Wanted = { label: 'request', type: 3 };
// A fixed SMBIOS UUID so that option 97 in the captures is something to assert on (QEMU's default is all zero).
const vmUuid = '5b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';

const specs: readonly CaptureSpec[] = [
  { name: 'ipxe-bios', mac: '52:54:00:b7:a0:01', want: [discover, request], timeoutMs: 120_000 },
  { name: 'ovmf', mac: '52:54:00:b7:a0:02', want: [discover, request], timeoutMs: 240_000 },
  { name: 'ovmf-http', mac: '52:54:00:b7:a0:05', want: [{ label: 'discover', type: 1, vendorPrefix: 'HTTPClient' }], timeoutMs: 400_000 },
  { name: 'udhcpc', mac: '02:b7:a0:00:00:03', want: [discover, request], timeoutMs: 30_000 },
  { name: 'dhclient', mac: '02:b7:a0:00:00:04', want: [discover, request], timeoutMs: 30_000 },
];

async function main(): Promise<void> {
  const [outArg, ...only] = process.argv.slice(2);
  const outDir = outArg ?? 'test/fixtures/dhcp';
  const chosen = specs.filter((s) => only.length === 0 || only.includes(s.name));
  const manifestPath = join(outDir, 'captures.json');
  const manifest = readManifest(manifestPath);
  for (const spec of chosen) {
    console.log(`capturing ${spec.name} ...`);
    const files = await captureOne(spec, outDir);
    const uuid = isVm(spec.name) ? { uuid: vmUuid } : {};
    manifest[spec.name] = { capturedOn: new Date().toISOString().slice(0, 10), mac: spec.mac, ...uuid, files, tools: await versions(spec.name) };
    console.log(`  wrote ${files.join(', ')}`);
  }
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

function isVm(name: ClientName): boolean {
  return name === 'ipxe-bios' || name === 'ovmf' || name === 'ovmf-http';
}

function readManifest(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function captureOne(spec: CaptureSpec, outDir: string): Promise<string[]> {
  const work = mkdtempSync(join(tmpdir(), `bdhcp-capture-${spec.name}-`));
  const children: ManagedProcess[] = [];
  const spaces: Netns[] = [];
  try {
    const server = await createNetns();
    spaces.push(server);
    const vm = isVm(spec.name);
    const ifname = vm ? 'tapcap' : 'vcaps';
    let client: Netns | undefined;
    if (vm) {
      await server.run(['ip', 'tuntap', 'add', 'dev', ifname, 'mode', 'tap']);
      await server.run(['ip', 'addr', 'add', '198.18.0.1/24', 'dev', ifname]);
      await server.run(['ip', 'link', 'set', ifname, 'up']);
    } else {
      client = await createNetns();
      spaces.push(client);
      await addVeth({ ns: server, ifname, address: '198.18.0.1/24' }, { ns: client, ifname: 'vcapc', mac: spec.mac });
    }

    const pcapPath = join(work, `${spec.name}.pcap`);
    const tcpdump = startProcess(server.argv(['tcpdump', '-i', ifname, '-n', '-U', '-w', pcapPath, 'udp port 67 or udp port 68 or udp port 4011']), {
      label: 'tcpdump',
    });
    children.push(tcpdump);
    await tcpdump.waitFor(/listening on/, 10_000);

    const dnsmasq = startProcess(
      server.argv([
        'dnsmasq', '-d', '-C', '/dev/null', '--port=0', '--bind-interfaces', `--interface=${ifname}`,
        '--dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,1h', `--dhcp-leasefile=${join(work, 'leases')}`,
        `--pid-file=${join(work, 'dnsmasq.pid')}`, '--user=root', '--group=root',
        // A boot file so that PXE firmware accepts the offer and goes on to DHCPREQUEST.
        '--dhcp-match=set:efi,option:client-arch,7', '--dhcp-boot=tag:efi,bootx64.efi', '--dhcp-boot=tag:!efi,undionly.kpxe',
      ]),
      { label: 'dnsmasq' },
    );
    children.push(dnsmasq);
    await dnsmasq.waitFor(/DHCP, IP range/, 10_000);

    children.push(startClient(spec, server, client, ifname, work));
    await waitForTypes(pcapPath, spec.want, spec.timeoutMs);
    for (const child of children.reverse()) await child.stop();
    children.length = 0;

    const datagrams = readPcapUdp(readFileSync(pcapPath)).filter((d) => d.dstPort === 67 && d.srcPort === 68);
    const written: string[] = [];
    for (const wanted of spec.want) {
      const first = datagrams.find((d) => matches(d.payload, wanted));
      if (first === undefined) throw new Error(`${spec.name}: no ${wanted.label} captured`);
      const file = `${spec.name}-${wanted.label}.bin`;
      writeFileSync(join(outDir, file), first.payload);
      written.push(file);
    }
    writeFileSync(join(outDir, `${spec.name}.pcap`), readFileSync(pcapPath));
    written.push(`${spec.name}.pcap`);
    return written;
  } finally {
    for (const child of children.reverse()) await child.stop();
    for (const ns of spaces.reverse()) await ns.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

function startClient(spec: CaptureSpec, server: Netns, client: Netns | undefined, ifname: string, work: string): ManagedProcess {
  const qemu = ['qemu-system-x86_64', '-accel', 'tcg', '-m', '256', '-nographic', '-no-reboot', '-uuid', vmUuid, '-netdev', `tap,id=n0,ifname=${ifname},script=no,downscript=no`];
  switch (spec.name) {
    case 'ipxe-bios':
      return startProcess(server.argv([...qemu, '-device', `virtio-net-pci,netdev=n0,mac=${spec.mac}`, '-boot', 'n']), { label: spec.name });
    case 'ovmf':
    case 'ovmf-http':
      // romfile= empty: no iPXE option ROM, so OVMF's own UEFI PXE driver does the DHCP.
      return startProcess(server.argv([...qemu, '-bios', '/usr/share/ovmf/OVMF.fd', '-device', `virtio-net-pci,netdev=n0,mac=${spec.mac},romfile=`]), {
        label: spec.name,
      });
    case 'udhcpc':
      return startProcess(client!.argv(['busybox', 'udhcpc', '-i', 'vcapc', '-f', '-q', '-t', '5', '-T', '2', '-s', '/bin/true']), { label: spec.name });
    case 'dhclient':
      return startProcess(
        client!.argv(['dhclient', '-d', '-1', '-v', '-sf', '/bin/true', '-lf', join(work, 'dhclient.leases'), '-pf', join(work, 'dhclient.pid'), 'vcapc']),
        { label: spec.name },
      );
  }
}

async function waitForTypes(pcapPath: string, want: readonly Wanted[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let seen: Buffer[] = [];
    try {
      seen = readPcapUdp(readFileSync(pcapPath)).filter((d) => d.dstPort === 67).map((d) => d.payload);
    } catch {
      continue; // tcpdump has not written the header yet
    }
    if (want.every((wanted) => seen.some((payload) => matches(payload, wanted)))) return;
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${want.map((w) => w.label).join(', ')}`);
}

function matches(payload: Buffer, wanted: Wanted): boolean {
  const options = plainOptions(payload);
  if (options.get(53)?.[0] !== wanted.type) return false;
  return wanted.vendorPrefix === undefined || (options.get(60)?.toString('latin1') ?? '').startsWith(wanted.vendorPrefix);
}

/** The options field only, no overload: enough to pick packets, and independent of the codec under test. */
function plainOptions(payload: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let i = 240; i + 1 < payload.length; ) {
    const code = payload[i]!;
    if (code === 0) {
      i += 1;
      continue;
    }
    if (code === 255) break;
    const length = payload[i + 1]!;
    out.set(code, payload.subarray(i + 2, i + 2 + length));
    i += 2 + length;
  }
  return out;
}

async function versions(name: ClientName): Promise<Record<string, string>> {
  const packages: Record<ClientName, string[]> = {
    'ipxe-bios': ['qemu-system-x86', 'ipxe-qemu'],
    ovmf: ['qemu-system-x86', 'ovmf'],
    'ovmf-http': ['qemu-system-x86', 'ovmf'],
    udhcpc: ['busybox-static', 'busybox'],
    dhclient: ['isc-dhcp-client'],
  };
  const out: Record<string, string> = {};
  for (const pkg of [...packages[name], 'dnsmasq-base']) {
    const result = await runCommandStatus(['dpkg-query', '-W', '-f', '${Version}', pkg]);
    if (result.code === 0 && result.stdout !== '') out[pkg] = result.stdout;
  }
  return out;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
