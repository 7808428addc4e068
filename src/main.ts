// Wires Bramble's services together for `bramble serve`: store, boot policy, TFTP, HTTP, DHCP, NFS, control socket.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { Logger } from './log/logger.js';
import type { ServeConfig } from './config/load.js';
import { openStore } from './store/store.js';
import { openBootEventLog } from './store/boot-events.js';
import { createRecorder } from './inventory/recorder.js';
import { createEventBus } from './live/event-bus.js';
import { createHealthSampler } from './health/sampler.js';
import { createPowerService } from './power/power-service.js';
import { makeDriver, powerCapabilities } from './power/drivers.js';
import { ensureSshKey, sshFiles } from './power/ssh-key.js';
import { wakeMac } from './power/wol.js';
import type { WolSettings } from './power/wol-settings.js';
import { firmwareFromDhcp } from './inventory/machine-facts.js';
import { chooseDhcpBoot } from './boot/dhcp-boot.js';
import { createTftpServer } from './tftp/server.js';
import { folderFiles } from './tftp/folder-files.js';
import { loadNativePumps } from './tftp/native-pump.js';
import { withIpxeBinaries } from './boot/ipxe-binaries.js';
import { createDhcpServer, type DhcpClient, type DhcpServer } from './dhcp/server.js';
import { probeDhcpServers } from './dhcp/probe.js';
import { bootRoutes } from './http/boot-routes.js';
import { webRoutes } from './http/web-routes.js';
import { apiV1 } from './api/api-v1.js';
import type { ApiEnv } from './api/guard.js';
import { AuthService } from './auth/auth-service.js';
import { checkPower } from './power/drivers.js';
import { getConnInfo } from '@hono/node-server/conninfo';
import { startHttpServer } from './http/http-server.js';
import { loadKernelSend } from './http/kernel-send.js';
import { listenControlSocket } from './control/control-socket.js';
import { isServerRunning } from './control/control-client.js';
import { macForIp } from './net/arp-table.js';
import { createNfsExports, type NfsExports } from './nfs/exports.js';
import { createNfsService } from './nfs/nfs-service.js';
import { loadKernelRecordSend } from './rpc/kernel-record-send.js';
import { loadStatMany } from './nfs/view/file-stat.js';
import { loadCachedRead, loadDiskWriter } from './iscsi/disk-io.js';
import { createIscsiDisks, initiatorIqnFor, iscsiRootArgs, type IscsiDisks } from './iscsi/disks.js';
import { createIscsiServer, ISCSI_IDLE_BUFFER_BYTES, type IscsiServer } from './iscsi/server.js';
import { BufferPool } from './net/buffer-pool.js';
import type { Store } from './store/store.js';

export interface Running {
  readonly httpBase: string;
  readonly tftpPort: number;
  stop(): Promise<void>;
}

export async function startBramble(config: ServeConfig, log: Logger): Promise<Running> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.warn('error while stopping', { error });
      }
    }
  };
  try {
    return await startServices(config, log, stops, stopAll);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startServices(config: ServeConfig, log: Logger, stops: (() => Promise<void>)[], stopAll: () => Promise<void>): Promise<Running> {
  // Checked before the store is opened: the data folder has one writer, the server already running on it.
  if (await isServerRunning(config.dataDir)) {
    throw Object.assign(new Error(`another bramble server is already running on data folder ${config.dataDir}`), { code: 'ALREADY_RUNNING' });
  }
  const tftpRoot = join(config.dataDir, 'tftp');
  const assetsDir = join(config.dataDir, 'http');
  await mkdir(tftpRoot, { recursive: true });
  await mkdir(assetsDir, { recursive: true });

  const store = await openStore(config.dataDir, log.child({ service: 'store' }));
  stops.push(() => store.close());
  if (store.recovered) log.warn('store was recovered from its previous version; the newest change may be lost');
  const events = await openBootEventLog(config.dataDir, { log: log.child({ service: 'events' }) });
  stops.push(() => events.close());
  const bus = createEventBus((error) => log.error('live event listener failed', { error }));
  const recorder = createRecorder({ store, events, bus, log: log.child({ service: 'inventory' }) });
  stops.push(() => recorder.close());

  const httpBase = `http://${config.address}${config.httpPort === 80 ? '' : `:${config.httpPort}`}`;

  const tftpLog = log.child({ service: 'tftp' });
  const native = loadNativePumps();
  if (native.pumps === null) tftpLog.warn('TFTP transfers run on Node sockets, about half as fast (no tftp_pump addon)', { reason: native.reason });
  const tftp = createTftpServer({
    nativePumps: native.pumps,
    address: config.address,
    port: config.tftpPort,
    files: withIpxeBinaries(folderFiles([tftpRoot]), config.ipxeDir),
    log: tftpLog,
    onTransfer: (t) => {
      void macForIp(t.client.address).then((mac) => {
        if (mac !== null) recorder.event(mac, 'tftp', `${t.path}: ${t.outcome}`, { bytes: t.bytes, ms: t.ms });
      });
    },
  });
  const tftpBound = await tftp.start();
  stops.push(() => tftp.stop());

  let dhcp: DhcpServer | null = null;
  const auth = new AuthService(store);
  const admin = await auth.ensureAdmin();
  if (admin.created) {
    // The one secret Bramble ever prints: the issue asks for it in the log, once; only its hash is kept.
    log.warn('first start: log in to the web page as admin with this password (shown only now; change it there)', {
      user: admin.user,
      initialPassword: admin.password,
    });
  }
  const health = createHealthSampler({ dataDir: config.dataDir, log: log.child({ service: 'health' }) });
  await health.start();
  stops.push(() => health.stop());
  const apiLog = log.child({ service: 'api' });
  const serving = { name: config.interface, address: config.address, netmask: config.netmask };
  const powerLog = log.child({ service: 'power' });
  const power = createPowerService({
    store,
    bus,
    record: (mac, stage, detail, fields) => recorder.event(mac, stage, detail, fields),
    makeDriver: (machine) => makeDriver(machine, { serving, ssh: sshFiles(config.dataDir) }),
    log: powerLog,
    wakeDeadlineMs: config.wakeDeadlineSeconds * 1000,
  });
  stops.push(async () => power.close());
  const wake = async (mac: string, settings: WolSettings) => {
    const result = await wakeMac(mac, { serving, settings, signal: AbortSignal.timeout(10_000) });
    recorder.event(mac, 'power', result.ok ? `wake: ${result.detail}` : `wake failed: ${result.message}`, { action: 'wake', ok: result.ok });
    return result;
  };
  let nfsExports = (): NfsExports | null => null;
  let iscsiDisks = (): IscsiDisks | null => null;
  const apiApp = (trusted: boolean) =>
    apiV1({
      store,
      events,
      auth,
      checkPower,
      powerCan: (machine) => powerCapabilities(machine, { serving, ssh: sshFiles(config.dataDir) }),
      trusted,
      log: apiLog,
      bus,
      health,
      nfs: nfsExports(),
      iscsi: iscsiDisks(),
      power: { power, wake, sshPublicKey: () => ensureSshKey(config.dataDir) },
      clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
      status: () => ({
        pid: process.pid,
        interface: config.interface,
        address: config.address,
        httpBase,
        tftpPort: tftpBound.port,
        dhcpMode: config.dhcpMode,
        dhcp: dhcp?.stats() ?? null,
        tftp: tftp.stats(),
        nfs: nfsExports() !== null,
        iscsi: iscsiDisks() !== null,
      }),
    });

  const nfs = config.nfs ? await startNfs(config, store, log.child({ service: 'nfs' }), stops) : null;
  nfsExports = () => nfs?.exports ?? null;
  const iscsi = config.iscsi ? await startIscsi(config, store, log.child({ service: 'iscsi' }), stops) : null;
  iscsiDisks = () => iscsi?.disks ?? null;

  const bootLog = log.child({ service: 'http' });
  const kernel = loadKernelSend();
  if (kernel.send === null) bootLog.warn('large files will be copied through the process (no sendfile addon)', { reason: kernel.reason });
  const http = await startHttpServer({
    app: new Hono<ApiEnv>()
      .route('/', apiApp(false))
      .route('/', bootRoutes({ store, recorder, log: bootLog, httpBase, defaultProfile: config.defaultProfile, ipxeDir: config.ipxeDir, assetsDir, macForIp, kernelSend: kernel.send, nfsRootArgs: nfs?.rootArgs ?? null, iscsiDisk: iscsi?.boot ?? null }))
      .route('/', webRoutes({ auth })),
    address: config.address,
    port: config.httpPort,
  });
  stops.push(() => http.close());

  if (config.dhcpMode !== 'off') {
    const dhcpLog = log.child({ service: 'dhcp' });
    dhcp = createDhcpServer({
      mode: config.dhcpMode,
      interfaceName: config.interface,
      serverAddress: config.address,
      ...(config.dhcpMode === 'full' && config.dhcpRange !== null
        ? {
            pool: {
              first: config.dhcpRange.first,
              last: config.dhcpRange.last,
              netmask: config.netmask,
              ...(config.dhcpRouter === null ? {} : { router: config.dhcpRouter }),
              dns: config.dhcpDns,
              leaseSeconds: config.dhcpLeaseSeconds,
            },
            leaseFile: join(config.dataDir, 'dhcp-leases.jsonl'),
          }
        : {}),
      policy: {
        bootFor: (client) => {
          const decision = chooseDhcpBoot(client, {
            serverAddress: config.address,
            httpBase,
            biosBootFile: 'undionly.kpxe',
            uefiBootFile: config.uefiBootFile,
          });
          dhcpLog.debug('boot decision', { mac: client.mac, xid: client.xid, reason: decision.reason });
          return decision.answer;
        },
        reservationFor: (mac) => store.read().machines.find((m) => m.mac === mac)?.reservedAddress ?? null,
        observe: (client, event) => observeDhcp(client, event, recorder),
      },
      log: dhcpLog,
    });
    await dhcp.start();
    const started = dhcp;
    stops.push(() => started.stop());
  }

  const control = await listenControlSocket(apiApp(true), config.dataDir);
  stops.push(() => control.close());

  log.info('bramble is serving', {
    interface: config.interface,
    address: config.address,
    dhcpMode: config.dhcpMode,
    http: httpBase,
    tftpPort: tftpBound.port,
    nfs: nfs === null ? 'off' : nfs.ports,
    iscsi: iscsi === null ? 'off' : iscsi.port,
    dataDir: config.dataDir,
  });
  if (config.dhcpMode !== 'off' && config.dhcpProbe) void probeAndReport(config, log);
  return { httpBase, tftpPort: tftpBound.port, stop: stopAll };
}

/** The NFS exports and servers, and the kernel arguments that put a machine's root on its own layer. */
async function startNfs(config: ServeConfig, store: Store, log: Logger, stops: (() => Promise<void>)[]) {
  const exports = createNfsExports({ store, dataDir: config.dataDir, rootsDir: config.nfsRoots ?? join(config.dataDir, 'nfs', 'roots'), log });
  await exports.open();
  stops.push(() => exports.close());
  const kernel = loadKernelRecordSend();
  if (kernel.send === null) log.warn('NFS READ replies will be copied through the process (no sendfile addon)', { reason: kernel.reason });
  const stats = loadStatMany();
  if (!stats.native) log.warn('NFS listings will stat golden entries one at a time through fs.lstat (no stat_many addon)', { reason: stats.reason });
  const service = createNfsService({
    kernelSend: kernel.send,
    address: config.address,
    ports: { portmap: config.portmapPort, nfs: config.nfsPort, mount: config.mountdPort },
    exports,
    dataDir: config.dataDir,
    log,
  });
  const ports = await service.start();
  stops.push(() => service.stop());
  const rootArgs = async (mac: string, address: string, root: string): Promise<readonly string[]> => {
    const exp = await exports.forMachine(mac, address, root);
    // port= and mountport= spare the client the portmapper; nolock: a machine's own root needs no NLM.
    return ['root=/dev/nfs', `nfsroot=${config.address}:${exp.path},vers=3,tcp,nolock,port=${ports.nfs},mountport=${ports.mount}`, 'ip=dhcp', 'rw'];
  };
  return { exports, ports, rootArgs };
}

/** The iSCSI disks and target: a copy-on-write disk per machine over a golden image. */
async function startIscsi(config: ServeConfig, store: Store, log: Logger, stops: (() => Promise<void>)[]) {
  let server: IscsiServer | null = null;
  // One pool for the disks' read data and the target's write data, which the target hands back when done.
  const buffers = new BufferPool(ISCSI_IDLE_BUFFER_BYTES);
  const disks = createIscsiDisks({
    store,
    dataDir: config.dataDir,
    imagesDir: config.iscsiImages ?? join(config.dataDir, 'iscsi', 'images'),
    log,
    endSessions: (iqn) => server?.endSessions(iqn),
    buffers,
  });
  await disks.open();
  stops.push(() => disks.close());
  const cached = loadCachedRead();
  if (!cached.native) log.warn('iSCSI reads will all go through the thread pool, even when cached (no cached_read addon)', { reason: cached.reason });
  const writer = loadDiskWriter();
  if (!writer.native) log.warn("iSCSI writes will go through the thread pool, not a thread of each disk's own (no disk_writer addon)", { reason: writer.reason });
  const descriptors = loadKernelRecordSend();
  if (descriptors.send === null) log.warn('iSCSI connections will be read into a fresh buffer per read (no send_file addon)', { reason: descriptors.reason });
  server = createIscsiServer({ address: config.address, port: config.iscsiPort, targets: disks, log, buffers, ...(descriptors.send === null ? {} : { dup: descriptors.send.hold }) });
  const port = await server.start();
  const started = server;
  stops.push(() => started.stop());
  const boot = async (mac: string, address: string, image: string) => {
    const disk = await disks.forMachine(mac, address, image);
    const mutual = disk.targetUser === undefined || disk.targetSecret === undefined ? {} : { targetUser: disk.targetUser, targetSecret: disk.targetSecret };
    const san = { server: config.address, port, iqn: disk.iqn, initiatorIqn: initiatorIqnFor(mac), chapUser: disk.chapUser, chapSecret: disk.chapSecret, ...mutual };
    return { san, rootArgs: iscsiRootArgs(san) };
  };
  return { disks, port, boot };
}

function observeDhcp(client: DhcpClient, event: { kind: string; address?: string }, recorder: ReturnType<typeof createRecorder>): void {
  const booting = client.isIpxe || client.vendorClass?.startsWith('PXEClient') || client.vendorClass?.startsWith('HTTPClient');
  // Only machines trying to boot are inventory; a laptop renewing its lease in full mode is not.
  if (!booting || event.kind === 'ignored') return;
  const firmware = firmwareFromDhcp(client);
  recorder.seen({
    mac: client.mac,
    ...(client.arch === null ? {} : { arch: client.arch }),
    ...(firmware === undefined ? {} : { firmware }),
    ...(client.uuid === null ? {} : { uuid: client.uuid }),
    ...(client.hostname === null ? {} : { hostname: client.hostname }),
    ...(event.address === undefined || event.address === '0.0.0.0' ? {} : { ip: event.address }),
  });
  const who = client.isIpxe ? 'iPXE' : (client.vendorClass ?? 'client');
  recorder.event(client.mac, 'dhcp', `${client.messageType} from ${who} -> ${event.kind}${event.address ? ' ' + event.address : ''}`);
}

async function probeAndReport(config: ServeConfig, log: Logger): Promise<void> {
  try {
    const found = await probeDhcpServers({ interfaceName: config.interface, mac: config.mac, timeoutMs: 5000, log: log.child({ service: 'probe' }) });
    const others = found.filter((f) => f.server !== config.address);
    if (others.length === 0) {
      log.info('no other DHCP server answered on this segment', { interface: config.interface, dhcpMode: config.dhcpMode });
    } else {
      const level = config.dhcpMode === 'full' ? 'warn' : 'info';
      log[level]('other DHCP servers on this segment', { servers: others, advice: config.dhcpMode === 'full' ? 'two full DHCP servers on one segment fight; use --dhcp-mode proxy beside a router' : 'proxy mode works beside them' });
    }
  } catch (error) {
    log.warn('could not probe for other DHCP servers', { error });
  }
}
