// Decision table for proxyDHCP (PXE 2.1) on port 67 and the boot-server port 4011, on real client requests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideBootServer, decideProxy } from '../../src/dhcp/decide-proxy.js';
import type { DhcpDecision } from '../../src/dhcp/decision.js';
import { DhcpOption } from '../../src/dhcp/options.js';
import type { DhcpBoot } from '../../src/dhcp/types.js';
import { request } from './support/requests.js';
import type { Edits } from './support/requests.js';
import type { CaptureName } from './support/fixtures.js';

// The captures' server (dnsmasq) was 198.18.0.1: to us that is "another server".
const US = '198.18.0.2';
const ports = { server: 67, client: 68 };
const bios: DhcpBoot = { bootFile: 'undionly.kpxe', nextServer: US, vendorClass: 'PXEClient' };
const uefi: DhcpBoot = { bootFile: 'ipxe.efi', nextServer: US, vendorClass: 'PXEClient' };
const script: DhcpBoot = { bootFile: `http://${US}/boot.ipxe`, nextServer: US, vendorClass: 'PXEClient' };
const httpBoot: DhcpBoot = { bootFile: `http://${US}/ipxe/${'x'.repeat(130)}.efi`, nextServer: US, vendorClass: 'HTTPClient' };
const pi: DhcpBoot = { bootFile: '', nextServer: US, vendorClass: 'PXEClient', raspberryPiMenu: true };

interface Expect {
  readonly action: 'reply' | 'ignore';
  readonly type?: number;
  readonly to?: string;
  readonly option43?: string | null;
  readonly file?: string;
}

interface Case {
  readonly name: string;
  readonly capture: CaptureName;
  readonly edits?: Edits;
  readonly boot: DhcpBoot | null;
  readonly expect: Expect;
}

// BIOS PXE ROM without iPXE: the iPXE capture with its iPXE markers taken out.
const plainPxe: Edits = { options: [[77, null], [175, null]] };

const port67: readonly Case[] = [
  { name: 'iPXE DISCOVER -> OFFER (script URL), broadcast', capture: 'ipxe-bios-discover', boot: script, expect: { action: 'reply', type: 2, to: 'broadcast:68', option43: null, file: script.bootFile } },
  { name: 'BIOS PXE DISCOVER -> OFFER with discovery control "use boot file"', capture: 'ipxe-bios-discover', edits: plainPxe, boot: bios, expect: { action: 'reply', type: 2, to: 'broadcast:68', option43: '060108ff', file: 'undionly.kpxe' } },
  { name: 'UEFI PXE DISCOVER -> OFFER without option 43 (it comes back on 4011)', capture: 'ovmf-discover', boot: uefi, expect: { action: 'reply', type: 2, to: 'broadcast:68', option43: null, file: 'ipxe.efi' } },
  { name: 'UEFI HTTP DISCOVER -> OFFER, long URL only in option 67', capture: 'ovmf-http-discover', boot: httpBoot, expect: { action: 'reply', type: 2, to: 'broadcast:68', option43: null, file: '' } },
  {
    name: 'Raspberry Pi DISCOVER -> OFFER with the Pi boot menu',
    capture: 'ipxe-bios-discover',
    edits: { ...plainPxe, mac: 'b8:27:eb:00:00:01' },
    boot: pi,
    expect: { action: 'reply', type: 2, to: 'broadcast:68', option43: '0601030a04005058450917000014' + Buffer.from('Raspberry Pi Boot   ').toString('hex') + 'ff', file: '' },
  },
  { name: 'relayed DISCOVER -> OFFER to giaddr:67', capture: 'ovmf-discover', edits: { giaddr: '198.18.5.1' }, boot: uefi, expect: { action: 'reply', type: 2, to: '198.18.5.1:67' } },
  { name: 'policy has nothing -> ignore', capture: 'ovmf-discover', boot: null, expect: { action: 'ignore' } },
  { name: 'not a PXE client (udhcpc) -> ignore', capture: 'udhcpc-discover', boot: bios, expect: { action: 'ignore' } },
  { name: 'not a PXE client (dhclient) -> ignore', capture: 'dhclient-discover', boot: bios, expect: { action: 'ignore' } },
  { name: 'REQUEST for another server -> ignore', capture: 'ovmf-request', boot: uefi, expect: { action: 'ignore' } },
  { name: 'REQUEST naming us -> ACK with boot info', capture: 'ovmf-request', edits: { options: [[54, US]] }, boot: uefi, expect: { action: 'reply', type: 5, to: 'broadcast:68', file: 'ipxe.efi' } },
  { name: 'INIT-REBOOT REQUEST (no server id) -> ignore', capture: 'ovmf-request', edits: { options: [[54, null]] }, boot: uefi, expect: { action: 'ignore' } },
  { name: 'RELEASE -> ignore', capture: 'ovmf-request', edits: { type: 7, options: [[54, US]] }, boot: uefi, expect: { action: 'ignore' } },
  { name: 'DECLINE -> ignore', capture: 'ovmf-request', edits: { type: 4, options: [[54, US]] }, boot: uefi, expect: { action: 'ignore' } },
  { name: 'INFORM -> ignore', capture: 'ovmf-request', edits: { type: 8, ciaddr: '198.18.0.9' }, boot: uefi, expect: { action: 'ignore' } },
];

function check(decision: DhcpDecision, expect: Expect, boot: DhcpBoot | null, requestUuid: Buffer | undefined): void {
  assert.equal(decision.action, expect.action, decision.action === 'ignore' ? decision.reason : 'replied');
  if (decision.action !== 'reply') return;
  const reply = decision.reply;
  assert.equal(reply.options.get(DhcpOption.MessageType)![0], expect.type);
  const to = decision.to.kind === 'broadcast' ? `broadcast:${decision.to.port}` : `${decision.to.address}:${decision.to.port}`;
  if (expect.to !== undefined) assert.equal(to, expect.to);
  // proxyDHCP never hands out an address.
  assert.equal(reply.yiaddr, '0.0.0.0');
  assert.equal(reply.op, 2);
  assert.deepEqual([...reply.options.get(DhcpOption.ServerIdentifier)!], US.split('.').map(Number));
  assert.equal(reply.options.get(DhcpOption.VendorClass)!.toString(), boot!.vendorClass);
  assert.equal(reply.siaddr, boot!.nextServer);
  assert.equal(reply.options.get(DhcpOption.TftpServerName)!.toString(), boot!.nextServer);
  if (boot!.bootFile === '') assert.equal(reply.options.has(DhcpOption.BootFileName), false);
  else assert.equal(reply.options.get(DhcpOption.BootFileName)!.toString(), boot!.bootFile);
  if (expect.file !== undefined) assert.equal(reply.file.toString(), expect.file);
  if (expect.option43 !== undefined) assert.equal(reply.options.get(DhcpOption.VendorSpecific)?.toString('hex') ?? null, expect.option43);
  assert.deepEqual(reply.options.get(DhcpOption.ClientUuid), requestUuid, 'option 97 echoed when present');
  assert.equal(decision.event.proxy, true);
}

describe('decideProxy (port 67)', () => {
  for (const c of port67) {
    test(c.name, () => {
      const { message, client } = request(c.capture, c.edits);
      const decision = decideProxy({ request: message, client, boot: c.boot, serverAddress: US, ports });
      check(decision, c.expect, c.boot, message.options.get(DhcpOption.ClientUuid));
      if (decision.action === 'reply') {
        assert.equal(decision.reply.xid, message.xid);
        assert.deepEqual(decision.reply.chaddr, message.chaddr);
      }
    });
  }
});

describe('decideBootServer (port 4011)', () => {
  const source = { address: '198.18.0.77', port: 68 };
  const item = [71, 4, 0x80, 0x00, 0x00, 0x00, 255];
  const cases: readonly (Case & { readonly source?: typeof source })[] = [
    { name: 'UEFI REQUEST -> ACK to its source address and port', capture: 'ovmf-request', edits: { options: [[54, null]], ciaddr: '198.18.0.77' }, boot: uefi, expect: { action: 'reply', type: 5, to: '198.18.0.77:68', option43: null } },
    { name: 'REQUEST naming us -> ACK', capture: 'ovmf-request', edits: { options: [[54, US]] }, boot: uefi, expect: { action: 'reply', type: 5, to: '198.18.0.77:68' } },
    { name: 'boot item in option 43 is echoed', capture: 'ovmf-request', edits: { options: [[54, null], [43, item]] }, boot: uefi, expect: { action: 'reply', type: 5, option43: '470480000000ff' } },
    { name: 'INFORM -> ACK', capture: 'ovmf-request', edits: { type: 8, options: [[54, null]] }, boot: uefi, expect: { action: 'reply', type: 5 } },
    { name: 'REQUEST for another server -> ignore', capture: 'ovmf-request', boot: uefi, expect: { action: 'ignore' } },
    { name: 'DISCOVER on 4011 -> ignore', capture: 'ovmf-discover', boot: uefi, expect: { action: 'ignore' } },
    { name: 'non-PXE REQUEST -> ignore', capture: 'udhcpc-request', edits: { options: [[54, null]] }, boot: uefi, expect: { action: 'ignore' } },
    { name: 'policy has nothing -> ignore', capture: 'ovmf-request', edits: { options: [[54, null]] }, boot: null, expect: { action: 'ignore' } },
    { name: 'source 0.0.0.0 -> ignore', capture: 'ovmf-request', edits: { options: [[54, null]] }, boot: uefi, source: { address: '0.0.0.0', port: 68 }, expect: { action: 'ignore' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { message, client } = request(c.capture, c.edits);
      const decision = decideBootServer({ request: message, client, boot: c.boot, serverAddress: US, source: c.source ?? source });
      check(decision, c.expect, c.boot, message.options.get(DhcpOption.ClientUuid));
    });
  }
});
