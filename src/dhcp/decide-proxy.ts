// proxyDHCP decisions, port 67 and the boot-server port 4011, boot info without addresses (PXE 2.1 §2.2.5, §2.4.5); pure.
import { ZERO_ADDRESS, optionAddress } from './message.js';
import type { DhcpMessage } from './message.js';
import { DhcpOption } from './options.js';
import { ignore, isBootFirmware } from './decision.js';
import type { DhcpDecision } from './decision.js';
import { buildReply, replyDestination } from './reply.js';
import type { PortNumbers } from './reply.js';
import type { DhcpBoot, DhcpClient } from './types.js';

export interface ProxyInput {
  readonly request: DhcpMessage;
  readonly client: DhcpClient;
  /** The policy's answer for this client (null: none). */
  readonly boot: DhcpBoot | null;
  readonly serverAddress: string;
  readonly ports: PortNumbers;
}

/** A request on the DHCP server port (67) while in proxy mode. */
export function decideProxy(input: ProxyInput): DhcpDecision {
  const { request, client, boot, serverAddress } = input;
  if (!isBootFirmware(client.vendorClass)) return ignore('not a PXE or HTTP boot client');
  const serverId = optionAddress(request, DhcpOption.ServerIdentifier);
  if (client.messageType === 'DISCOVER') {
    if (boot === null) return ignore('policy gives no boot information');
    const reply = buildReply(request, client, { type: 'OFFER', serverAddress, boot });
    return { action: 'reply', reply, to: replyDestination(request, reply, input.ports), event: { kind: 'offer', proxy: true } };
  }
  if (client.messageType === 'REQUEST') {
    // Without option 54 this is INIT-REBOOT or a renewal: the address server's business, never ours.
    if (serverId !== serverAddress) return ignore(serverId === null ? 'REQUEST without server id' : `REQUEST for server ${serverId}`);
    if (boot === null) return ignore('policy gives no boot information');
    const reply = buildReply(request, client, { type: 'ACK', serverAddress, boot });
    return { action: 'reply', reply, to: replyDestination(request, reply, input.ports), event: { kind: 'ack', proxy: true } };
  }
  return ignore(`${client.messageType} is for the address server`);
}

export interface BootServerInput {
  readonly request: DhcpMessage;
  readonly client: DhcpClient;
  readonly boot: DhcpBoot | null;
  readonly serverAddress: string;
  /** Where the request came from: PXE 2.1 boot-server replies go back there, not by RFC 2131 §4.1. */
  readonly source: { readonly address: string; readonly port: number };
}

/** A request on the PXE boot-server port (4011), in either mode: a DHCPACK with boot information. */
export function decideBootServer(input: BootServerInput): DhcpDecision {
  const { request, client, boot, serverAddress } = input;
  if (client.messageType !== 'REQUEST' && client.messageType !== 'INFORM') return ignore(`${client.messageType} on the boot-server port`);
  if (!isBootFirmware(client.vendorClass)) return ignore('not a PXE or HTTP boot client');
  const serverId = optionAddress(request, DhcpOption.ServerIdentifier);
  if (serverId !== null && serverId !== serverAddress) return ignore(`REQUEST for server ${serverId}`);
  if (boot === null) return ignore('policy gives no boot information');
  if (input.source.address === ZERO_ADDRESS) return ignore('boot-server request from 0.0.0.0');
  const reply = buildReply(request, client, { type: 'ACK', serverAddress, boot });
  return {
    action: 'reply',
    reply,
    to: { kind: 'address', address: input.source.address, port: input.source.port },
    event: { kind: 'ack', proxy: true },
  };
}
