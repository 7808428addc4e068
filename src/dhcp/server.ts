// The DHCP server: UDP sockets on 67 and 4011, codec -> decisions -> lease journal -> replies (RFC 2131, PXE 2.1).
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { LogFields } from '../log/logger.js';
import { parseIpv4 } from '../net/ipv4.js';
import { describeClient } from './client.js';
import { MIN_MAX_MESSAGE, decodeDhcp, encodeDhcp } from './codec.js';
import { decideFull } from './decide-full.js';
import { decideBootServer, decideProxy } from './decide-proxy.js';
import { isBootFirmware } from './decision.js';
import type { DhcpDecision } from './decision.js';
import { DhcpServerError } from './errors.js';
import { openLeaseJournal, readLeaseFile } from './lease-file.js';
import type { LeaseJournal } from './lease-file.js';
import { createLeaseTable } from './leases.js';
import type { LeaseTable } from './leases.js';
import type { DhcpMessage } from './message.js';
import { loadNativeSocketOps } from './native-socket.js';
import { socketFd } from '../native/socket-fd.js';
import type { NativeSocketOps } from './native-socket.js';
import { DhcpOption } from './options.js';
import { planPool } from './pool.js';
import type { PoolPlan } from './pool.js';
import type { ReplyDestination } from './reply.js';
import type { DhcpBoot, DhcpClient, DhcpEvent, DhcpServer, DhcpServerOptions } from './types.js';
import { closeUdpSocket } from '../net/close-udp-socket.js';
import { interfaceMac } from '../net/host-interfaces.js';

export type {
  DhcpBoot,
  DhcpClient,
  DhcpEvent,
  DhcpMessageTypeName,
  DhcpPolicy,
  DhcpPool,
  DhcpServer,
  DhcpServerOptions,
  DhcpStats,
} from './types.js';
export { DhcpServerError } from './errors.js';
export type { DhcpServerErrorCode } from './errors.js';

const DEFAULT_PORTS = { server: 67, proxy: 4011, client: 68 } as const;
const BROADCAST = '255.255.255.255';
/** Option 57 counts the IP and UDP headers (RFC 2132 §9.10); we encode the DHCP payload. */
const IP_UDP_HEADERS = 28;
/**
 * Room for a burst (a rack powering on) and for event-loop pauses (GC, lease file compaction), yet small enough
 * that a queue under sustained overload stays well under a second: clients retry after 4 s, and an answer that
 * waited longer than that only feeds the next retry's duplicate. The kernel doubles it for bookkeeping.
 */
const RECEIVE_BUFFER = 1024 * 1024;

interface Running {
  readonly sockets: { readonly server: Socket; readonly proxy: Socket };
  readonly ports: { readonly server: number; readonly proxy: number; readonly client: number };
  readonly device: { readonly name: string; readonly ops: NativeSocketOps; readonly fd: number } | null;
  readonly pool: PoolPlan | null;
  readonly leases: LeaseTable | null;
  readonly journal: LeaseJournal | null;
  readonly ownMac: string | null;
}

export function createDhcpServer(options: DhcpServerOptions): DhcpServer {
  const log = options.log;
  const counters = { received: 0, malformed: 0, answered: 0, ignored: 0 };
  let running: Running | null = null;
  let starting: Promise<void> | null = null;
  let stopping = false;

  const observe = (client: DhcpClient, event: DhcpEvent): void => {
    if (options.policy.observe === undefined) return;
    try {
      options.policy.observe(client, event);
    } catch (error) {
      log.warn('policy.observe threw', { mac: client.mac, error });
    }
  };

  const bootFor = (client: DhcpClient): DhcpBoot | null => {
    try {
      return options.policy.bootFor(client);
    } catch (error) {
      log.warn('policy.bootFor threw; no boot information', { mac: client.mac, error });
      return null;
    }
  };

  const reservationFor = (mac: string): string | null => {
    if (options.policy.reservationFor === undefined) return null;
    try {
      return options.policy.reservationFor(mac);
    } catch (error) {
      log.warn('policy.reservationFor threw; no reservation', { mac, error });
      return null;
    }
  };

  const onMessage = (state: Running, port: 'server' | 'proxy', data: Buffer, from: RemoteInfo): void => {
    counters.received += 1;
    try {
      handle(state, port, data, from);
    } catch (error) {
      // A bug must cost one packet, never the server.
      counters.ignored += 1;
      log.error('DHCP request handling failed', { from: from.address, error });
    }
  };

  const handle = (state: Running, port: 'server' | 'proxy', data: Buffer, from: RemoteInfo): void => {
    const decoded = decodeDhcp(data);
    if (!decoded.ok) {
      counters.malformed += 1;
      log.debug('malformed DHCP packet dropped', { from: from.address, port: from.port, code: decoded.error.code, detail: decoded.error.message });
      return;
    }
    const request = decoded.message;
    const described = describeClient(request, state.ports[port]);
    if (!described.ok) {
      counters.ignored += 1;
      log.debug('DHCP packet ignored', { from: from.address, xid: request.xid, reason: described.reason });
      return;
    }
    const client = described.client;
    // Plain fields rather than log.child(): a logger per packet is measurable at thousands of packets a second.
    const fields = { mac: client.mac, xid: client.xid, type: client.messageType };
    if (client.mac === state.ownMac) {
      counters.ignored += 1;
      log.debug('ignored our own probe', fields);
      return;
    }
    const decision = decide(state, port, request, client, from);
    if (decision.change !== undefined && state.leases !== null) state.leases.apply(decision.change);
    const durable = decision.change !== undefined && state.journal !== null ? state.journal.append(decision.change) : null;

    if (decision.action === 'ignore') {
      counters.ignored += 1;
      log.debug('no answer', { ...fields, reason: decision.reason });
      observe(client, { kind: 'ignored', reason: decision.reason, proxy: options.mode === 'proxy' || port === 'proxy' });
      durable?.catch(() => undefined);
      return;
    }
    if (decision.action === 'silent') {
      log.info(`client ${decision.event.kind}`, { ...fields, address: decision.event.address });
      observe(client, decision.event);
      durable?.catch(() => undefined);
      return;
    }

    const reply = encodeDhcp(decision.reply, { maxLength: maxLength(request) });
    const send = (): void => {
      if (stopping) return;
      const socket = port === 'proxy' ? state.sockets.proxy : state.sockets.server;
      try {
        transmit(state, socket, reply, decision.to, fields);
      } catch (error) {
        // Also runs from a promise callback: a throw there would be an unhandled rejection.
        log.warn('reply not sent', { ...fields, error });
        return;
      }
      counters.answered += 1;
      log.debug('sent', { ...fields, kind: decision.event.kind, address: decision.event.address, to: decision.to });
      observe(client, decision.event);
    };
    // An ACK promises the address: it leaves only once the lease is on disk. Offers are tentative and go at once.
    if (durable !== null && decision.change?.state === 'bound') {
      durable.then(send, (error: unknown) => {
        log.error('lease not persisted; answering anyway', { ...fields, error });
        send();
      });
    } else {
      durable?.catch(() => undefined);
      send();
    }
  };

  const decide = (state: Running, port: 'server' | 'proxy', request: DhcpMessage, client: DhcpClient, from: RemoteInfo): DhcpDecision => {
    const ports = { server: state.ports.server, client: state.ports.client };
    if (port === 'proxy') {
      const boot = isBootFirmware(client.vendorClass) ? bootFor(client) : null;
      return decideBootServer({ request, client, boot, serverAddress: options.serverAddress, source: { address: from.address, port: from.port } });
    }
    if (state.pool === null || state.leases === null) {
      const boot = isBootFirmware(client.vendorClass) ? bootFor(client) : null;
      return decideProxy({ request, client, boot, serverAddress: options.serverAddress, ports });
    }
    const wantsConfig = client.messageType === 'DISCOVER' || client.messageType === 'REQUEST' || client.messageType === 'INFORM';
    return decideFull({
      request,
      client,
      boot: wantsConfig ? bootFor(client) : null,
      reservation: client.messageType === 'DISCOVER' || client.messageType === 'REQUEST' ? reservationFor(client.mac) : null,
      serverAddress: options.serverAddress,
      ports,
      pool: state.pool,
      leases: state.leases,
      now: Date.now(),
    });
  };

  const transmit = (state: Running, socket: Socket, reply: Buffer, to: ReplyDestination, fields: LogFields): void => {
    const onSent = (error: Error | null): void => {
      if (error !== null) log.debug('send failed', { ...fields, to: describeDestination(to), error });
    };
    const broadcast = options.broadcastAddress ?? BROADCAST;
    if (to.kind === 'address') return socket.send(reply, to.port, to.address, onSent);
    if (to.kind === 'broadcast') return socket.send(reply, to.port, broadcast, onSent);
    // RFC 2131 §4.1: unicast to yiaddr at chaddr. The client cannot answer ARP yet, so we write the ARP entry
    // ourselves when the addon lets us; otherwise broadcasting is the fallback the RFC allows.
    const ip = parseIpv4(to.address);
    if (state.device !== null && ip !== null && to.mac.length === 6) {
      try {
        state.device.ops.setArpEntry(state.device.fd, state.device.name, ip, to.mac);
        return socket.send(reply, to.port, to.address, onSent);
      } catch (error) {
        log.debug('ARP entry not set; broadcasting instead', { ...fields, error });
      }
    }
    socket.send(reply, to.port, broadcast, onSent);
  };

  const start = async (): Promise<void> => {
    if (running !== null) return;
    if (starting !== null) return starting;
    starting = startUp().then(
      (state) => {
        running = state;
        stopping = false;
      },
      (error: unknown) => {
        starting = null;
        throw error;
      },
    );
    await starting;
    starting = null;
  };

  const startUp = async (): Promise<Running> => {
    if (options.mode !== 'proxy' && options.mode !== 'full') throw new DhcpServerError('INVALID_OPTIONS', `unknown DHCP mode ${String(options.mode)}`);
    if (parseIpv4(options.serverAddress) === null) throw new DhcpServerError('INVALID_OPTIONS', `server address ${options.serverAddress} is not an IPv4 address`);
    if (options.broadcastAddress !== undefined && parseIpv4(options.broadcastAddress) === null) {
      throw new DhcpServerError('INVALID_OPTIONS', `broadcast address ${options.broadcastAddress} is not an IPv4 address`);
    }
    const wanted = { ...DEFAULT_PORTS, ...definedPorts(options.ports) };
    let pool: PoolPlan | null = null;
    if (options.mode === 'full') {
      if (options.pool === undefined) throw new DhcpServerError('INVALID_OPTIONS', 'full DHCP mode needs an address pool');
      pool = planPool(options.pool, options.serverAddress);
    }
    const name = options.interfaceName;
    if (name !== null && (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(name) || name === '.' || name === '..' || !interfaceExists(name))) {
      throw new DhcpServerError('NO_SUCH_INTERFACE', `network interface ${name} does not exist`);
    }
    let native: NativeSocketOps | null = null;
    if (name !== null) {
      const loaded = loadNativeSocketOps();
      if (loaded.ok) native = loaded.ops;
      else log.warn(`cannot bind the DHCP sockets to ${name}; answering on all interfaces`, { reason: loaded.reason });
    }

    let leases: LeaseTable | null = null;
    let journal: LeaseJournal | null = null;
    if (pool !== null) {
      const table = createLeaseTable(pool);
      leases = table;
      if (options.leaseFile !== undefined) {
        const records = await readLeaseFile(options.leaseFile, log);
        for (const lease of records) table.apply(lease);
        journal = await openLeaseJournal({ path: options.leaseFile, log, snapshot: () => table.all() });
        log.info('leases loaded', { path: options.leaseFile, leases: table.size });
      }
    }

    const opened: Socket[] = [];
    try {
      const server = await bindSocket(wanted.server, 'DHCP server', name);
      opened.push(server);
      const proxy = await bindSocket(wanted.proxy, 'PXE boot-server', name);
      opened.push(proxy);
      let device: Running['device'] = null;
      if (name !== null && native !== null) {
        for (const socket of opened) {
          bindDevice(native, socket, name);
          forceReceiveBuffer(native, socket);
        }
        device = { name, ops: native, fd: socketFd(server)! };
      }
      const state: Running = {
        sockets: { server, proxy },
        ports: { server: server.address().port, proxy: proxy.address().port, client: wanted.client },
        device,
        pool,
        leases,
        journal,
        ownMac: name === null ? null : await interfaceMac(name),
      };
      server.on('message', (data, from) => onMessage(state, 'server', data, from));
      proxy.on('message', (data, from) => onMessage(state, 'proxy', data, from));
      log.info('DHCP server listening', {
        mode: options.mode,
        interface: name ?? 'all',
        boundToDevice: device !== null,
        ports: state.ports,
        serverAddress: options.serverAddress,
      });
      return state;
    } catch (error) {
      for (const socket of opened) socket.close();
      await journal?.close();
      throw error;
    }
  };

  const bindSocket = (port: number, role: string, name: string | null): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = createSocket({ type: 'udp4', reuseAddr: false });
      const onError = (error: NodeJS.ErrnoException): void => {
        socket.close();
        const where = `UDP port ${port} (${role})${name === null ? '' : ` on ${name}`}`;
        if (error.code === 'EADDRINUSE') reject(new DhcpServerError('EADDRINUSE', `${where} is already in use (another DHCP server, e.g. dnsmasq?)`, { cause: error }));
        else if (error.code === 'EACCES') reject(new DhcpServerError('EACCES', `${where} needs root or CAP_NET_BIND_SERVICE`, { cause: error }));
        else reject(new DhcpServerError('BIND_FAILED', `cannot bind ${where}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onError);
      socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('error', (error) => log.warn('DHCP socket error', { port, error }));
        socket.setBroadcast(true);
        // The kernel caps this at net.core.rmem_max; forceReceiveBuffer (below, with the addon) goes past it.
        try {
          socket.setRecvBufferSize(RECEIVE_BUFFER);
        } catch (error) {
          log.debug('could not enlarge the receive buffer', { port, error });
        }
        resolve(socket);
      });
    });

  const forceReceiveBuffer = (native: NativeSocketOps, socket: Socket): void => {
    const fd = socketFd(socket);
    if (fd === null) return;
    try {
      native.forceReceiveBuffer(fd, RECEIVE_BUFFER);
    } catch (error) {
      // Without CAP_NET_ADMIN the ordinary setRecvBufferSize above (capped at rmem_max) stands.
      log.debug('could not force a larger receive buffer', { error });
    }
  };

  const bindDevice = (native: NativeSocketOps, socket: Socket, name: string): void => {
    const fd = socketFd(socket);
    if (fd === null) throw new DhcpServerError('BIND_DEVICE_FAILED', 'cannot find the socket descriptor to bind it to a device');
    try {
      native.bindToDevice(fd, name);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENODEV') throw new DhcpServerError('NO_SUCH_INTERFACE', `network interface ${name} does not exist`, { cause: error });
      if (code === 'EPERM' || code === 'EACCES') throw new DhcpServerError('EACCES', `binding to ${name} needs root or CAP_NET_RAW`, { cause: error });
      throw new DhcpServerError('BIND_DEVICE_FAILED', `cannot bind to ${name}: ${(error as Error).message}`, { cause: error });
    }
  };

  const stop = async (): Promise<void> => {
    if (starting !== null) await starting.catch(() => undefined);
    const state = running;
    if (state === null) return;
    stopping = true;
    running = null;
    await Promise.all([closeUdpSocket(state.sockets.server), closeUdpSocket(state.sockets.proxy)]);
    await state.journal?.close();
    log.info('DHCP server stopped', { ...counters });
  };

  return {
    start,
    stop,
    stats: () => ({ ...counters }),
    addresses: () => {
      if (running === null) throw new DhcpServerError('NOT_STARTED', 'DHCP server is not running');
      return { server: running.ports.server, proxy: running.ports.proxy };
    },
  };
}

function definedPorts(ports: DhcpServerOptions['ports']): Partial<Record<'server' | 'proxy' | 'client', number>> {
  const out: Partial<Record<'server' | 'proxy' | 'client', number>> = {};
  for (const key of ['server', 'proxy', 'client'] as const) {
    const value = ports?.[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new DhcpServerError('INVALID_OPTIONS', `port ${key} ${value} is not a UDP port`);
    out[key] = value;
  }
  return out;
}

/** Linux lists every device, with or without addresses, in /sys/class/net; elsewhere trust os.networkInterfaces(). */
function interfaceExists(name: string): boolean {
  if (existsSync('/sys/class/net')) return existsSync(`/sys/class/net/${name}`);
  return networkInterfaces()[name] !== undefined;
}

function maxLength(request: DhcpMessage): number {
  const option = request.options.get(DhcpOption.MaxMessageSize);
  const declared = option === undefined ? 0 : option.readUInt16BE(0) - IP_UDP_HEADERS;
  return Math.max(MIN_MAX_MESSAGE, declared);
}

function describeDestination(to: ReplyDestination): string {
  return to.kind === 'broadcast' ? `broadcast:${to.port}` : `${to.address}:${to.port}`;
}

