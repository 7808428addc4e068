// Startup probe for other DHCP servers on a segment: one PXE-looking DHCPDISCOVER, OFFERs collected (RFC 2131 §4.4.1).
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { Logger } from '../log/logger.js';
import { macToBytes } from '../net/mac.js';
import { decodeDhcp, encodeDhcp } from './codec.js';
import { DhcpServerError } from './errors.js';
import { BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, ZERO_ADDRESS, optionAddress } from './message.js';
import type { DhcpMessage } from './message.js';
import { loadNativeSocketOps } from './native-socket.js';
import { socketFd } from '../native/socket-fd.js';
import { DhcpMessageType, DhcpOption } from './options.js';

export interface FoundDhcpServer {
  /** Option 54, else siaddr, else the datagram's source. */
  readonly server: string;
  readonly offeredAddress: string | null;
  readonly bootFile: string | null;
  readonly vendorClass: string | null;
  /** No address offered: a proxyDHCP server. */
  readonly proxy: boolean;
}

export interface ProbeOptions {
  readonly interfaceName: string;
  readonly mac: string;
  readonly timeoutMs: number;
  readonly ports?: { readonly server?: number; readonly client?: number };
  readonly log: Logger;
}

/** Resolves after timeoutMs with every server that offered, once each; rejects only when it cannot send at all. */
export async function probeDhcpServers(options: ProbeOptions): Promise<FoundDhcpServer[]> {
  const { log, interfaceName } = options;
  const serverPort = options.ports?.server ?? 67;
  const clientPort = options.ports?.client ?? 68;
  let chaddr: Buffer;
  try {
    chaddr = macToBytes(options.mac);
  } catch (error) {
    throw new DhcpServerError('INVALID_OPTIONS', `probe MAC ${options.mac} is not a MAC address`, { cause: error });
  }
  const xid = randomInt(1, 0xffffffff);
  const socket = await bindClientSocket(clientPort, interfaceName, log);
  const found = new Map<string, FoundDhcpServer>();
  try {
    socket.on('message', (data, from) => {
      const decoded = decodeDhcp(data);
      if (!decoded.ok) return;
      const offer = decoded.message;
      if (!isOfferFor(offer, xid, chaddr)) return;
      const server = optionAddress(offer, DhcpOption.ServerIdentifier) ?? (offer.siaddr !== ZERO_ADDRESS ? offer.siaddr : from.address);
      if (found.has(server)) return;
      const bootFile = offer.options.get(DhcpOption.BootFileName)?.toString('utf8') ?? (offer.file.length > 0 ? offer.file.toString('utf8') : null);
      found.set(server, {
        server,
        offeredAddress: offer.yiaddr === ZERO_ADDRESS ? null : offer.yiaddr,
        bootFile,
        vendorClass: offer.options.get(DhcpOption.VendorClass)?.toString('latin1') ?? null,
        proxy: offer.yiaddr === ZERO_ADDRESS,
      });
      log.debug('DHCP server answered the probe', { server, from: from.address });
    });
    const discover = encodeDhcp(probeDiscover(xid, chaddr));
    // A second copy halfway through covers one lost datagram on a busy segment.
    await send(socket, discover, serverPort);
    await delay(options.timeoutMs / 2);
    await send(socket, discover, serverPort);
    await delay(options.timeoutMs / 2);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return [...found.values()];
}

function isOfferFor(message: DhcpMessage, xid: number, chaddr: Buffer): boolean {
  return (
    message.op === BOOTREPLY &&
    message.xid === xid &&
    message.chaddr.subarray(0, 6).equals(chaddr) &&
    message.options.get(DhcpOption.MessageType)?.[0] === DhcpMessageType.OFFER
  );
}

/** Looks like a BIOS PXE ROM (facts/firmware.md) so that proxyDHCP servers answer as well as address servers. */
function probeDiscover(xid: number, chaddr: Buffer): DhcpMessage {
  const options = new Map<number, Buffer>([
    [DhcpOption.MessageType, Buffer.from([DhcpMessageType.DISCOVER])],
    [DhcpOption.ParameterRequestList, Buffer.from([1, 3, 6, 43, 54, 60, 66, 67])],
    [DhcpOption.MaxMessageSize, Buffer.from([0x05, 0xc0])],
    [DhcpOption.ClientArch, Buffer.from([0, 0])],
    [DhcpOption.ClientNdi, Buffer.from([1, 2, 1])],
    [DhcpOption.VendorClass, Buffer.from('PXEClient:Arch:00000:UNDI:002001', 'latin1')],
  ]);
  const field = Buffer.alloc(16);
  chaddr.copy(field);
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid,
    secs: 0,
    // We have no address to receive unicast on.
    flags: BROADCAST_FLAG,
    ciaddr: ZERO_ADDRESS,
    yiaddr: ZERO_ADDRESS,
    siaddr: ZERO_ADDRESS,
    giaddr: ZERO_ADDRESS,
    chaddr: field,
    sname: Buffer.alloc(0),
    file: Buffer.alloc(0),
    options,
  };
}

/**
 * Port 68 may already be held by the host's own DHCP client (dhclient binds 0.0.0.0:68 with SO_REUSEADDR), so
 * we share it; broadcast offers reach every socket on the port. The device binding keeps the DISCOVER on the
 * probed segment; without the addon the kernel picks the route for 255.255.255.255 and we say so.
 */
async function bindClientSocket(port: number, interfaceName: string, log: Logger): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.close();
      const code = error.code === 'EACCES' ? 'EACCES' : error.code === 'EADDRINUSE' ? 'EADDRINUSE' : 'BIND_FAILED';
      reject(new DhcpServerError(code, `cannot bind UDP port ${port} for the DHCP probe: ${error.message}`, { cause: error }));
    });
    socket.bind({ port, address: '0.0.0.0' }, () => resolve());
  });
  socket.on('error', (error) => log.debug('probe socket error', { error }));
  socket.setBroadcast(true);
  const loaded = loadNativeSocketOps();
  const fd = socketFd(socket);
  if (!loaded.ok || fd === null) {
    log.warn(`cannot bind the DHCP probe to ${interfaceName}; the DISCOVER leaves by the default route`, { reason: loaded.ok ? 'no socket fd' : loaded.reason });
    return socket;
  }
  try {
    loaded.ops.bindToDevice(fd, interfaceName);
  } catch (error) {
    socket.close();
    const code = (error as { code?: string }).code;
    if (code === 'ENODEV') throw new DhcpServerError('NO_SUCH_INTERFACE', `network interface ${interfaceName} does not exist`, { cause: error });
    throw new DhcpServerError(code === 'EPERM' ? 'EACCES' : 'BIND_DEVICE_FAILED', `cannot bind the probe to ${interfaceName}: ${(error as Error).message}`, { cause: error });
  }
  return socket;
}

function send(socket: Socket, data: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => socket.send(data, port, '255.255.255.255', (error) => (error ? reject(error) : resolve())));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
