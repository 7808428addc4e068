// HTTP endpoints a booting machine uses: its iPXE script, profile kernels/initrds, iPXE binaries, static assets.
// Only what a booting machine needs is reachable here, without a login; the admin API (/api/v1) needs one.
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { basename } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { Profile } from '../store/schema.js';
import type { Recorder } from '../inventory/recorder.js';
import { firmwareFromIpxePlatform, type MachineFacts } from '../inventory/machine-facts.js';
import { chooseScript } from '../boot/script-choice.js';
import { failedScript, renderFactsStub, renderMenu, renderProfileScript, type AgentHandout, type SanDisk, type ScriptUrls } from '../boot/ipxe-script.js';
import { newSecret, secretHash } from '../auth/secret-token.js';
import { AGENT_FACTS_PATH, AGENT_SCRIPT_PATH, agentRoutes } from './agent-routes.js';
import { isUrl } from '../profiles/profile-input.js';
import { normalizeMac } from '../net/mac.js';
import { resolveContained } from '../files/contained-path.js';
import { sendFile } from './send-file.js';
import type { KernelSend } from './kernel-send.js';
import { ipxeBinaryPath } from '../boot/ipxe-binaries.js';

export interface BootRoutesDeps {
  readonly store: Store;
  readonly recorder: Recorder;
  readonly log: Logger;
  /** Base URL booting machines use to reach us, e.g. http://192.168.1.5 */
  readonly httpBase: string;
  readonly defaultProfile: string | null;
  readonly ipxeDir: string;
  /** The data folder's http/ root for static assets (ISOs, images). */
  readonly assetsDir: string;
  readonly macForIp: (ip: string) => Promise<string | null>;
  /** sendfile(2) for large files, or null to copy them through the process. */
  readonly kernelSend: KernelSend | null;
  /**
   * The kernel arguments that put a machine's root on its own NFS layer over `root` (made on its first boot);
   * null when NFS is off.
   */
  readonly nfsRootArgs: ((mac: string, address: string, root: string) => Promise<readonly string[]>) | null;
  /** The machine's own iSCSI disk over `image` (made on its first boot): how iPXE boots it, or a kernel reaches it. */
  readonly iscsiDisk: ((mac: string, address: string, image: string) => Promise<{ readonly san: SanDisk; readonly rootArgs: readonly string[] }>) | null;
}

const ipxeQueryFacts = ['uuid', 'serial', 'manufacturer', 'product', 'platform', 'buildarch', 'hostname'] as const;

export type BootApp = Hono<{ Bindings: Partial<HttpBindings> }>;

export function bootRoutes(deps: BootRoutesDeps): BootApp {
  const app: BootApp = new Hono();
  const { store, recorder, log } = deps;

  const clientMac = async (queryMac: string | undefined, remote: string | undefined): Promise<string | null> => {
    const fromQuery = queryMac === undefined ? null : normalizeMac(queryMac);
    if (fromQuery !== null) return fromQuery;
    return remote === undefined ? null : deps.macForIp(unmapped(remote));
  };

  const urlsFor = (mac: string | null): ScriptUrls => {
    const who = mac === null ? '' : `?mac=${mac}`;
    return {
      asset(profile: Profile, which: 'kernel' | number) {
        const source = which === 'kernel' ? profile.kernel! : profile.initrds![which]!;
        if (isUrl(source)) return source;
        return `${deps.httpBase}/files/profile/${encodeURIComponent(profile.name)}/${which}/${encodeURIComponent(basename(source))}${who}`;
      },
      profileScript(profile: Profile) {
        return `${deps.httpBase}/boot.ipxe?profile=${encodeURIComponent(profile.name)}${mac === null ? '' : `&mac=${mac}`}`;
      },
    };
  };

  /** A fresh token per boot for the machine's inventory agent; only its hash is kept, on the machine. */
  const agentHandout = async (mac: string): Promise<AgentHandout> => {
    const token = newSecret();
    const hash = secretHash(token);
    await store.update((draft) => {
      let m = draft.machines.find((x) => x.mac === mac);
      if (m === undefined) {
        const now = new Date().toISOString();
        m = { mac, firstSeen: now, lastSeen: now };
        draft.machines.push(m);
      }
      m.agentTokenHash = hash;
    });
    return { scriptUrl: `${deps.httpBase}${AGENT_SCRIPT_PATH}`, factsUrl: `${deps.httpBase}${AGENT_FACTS_PATH}`, token };
  };

  app.get('/boot.ipxe', async (c) => {
    if (c.req.query('mac') === undefined && c.req.query('profile') === undefined) {
      c.header('cache-control', 'no-store');
      return c.text(renderFactsStub(`${deps.httpBase}/boot.ipxe`));
    }
    const remote = c.env?.incoming?.socket.remoteAddress;
    const mac = await clientMac(c.req.query('mac'), remote);
    const platform = c.req.query('platform') ?? null;
    const data = store.read();
    const machine = mac === null ? undefined : data.machines.find((m) => m.mac === mac);
    const choice = chooseScript({
      machine,
      profiles: data.profiles,
      defaultProfile: deps.defaultProfile,
      requested: c.req.query('profile') ?? null,
    });
    if (mac !== null) {
      const facts: Record<string, string> = {};
      for (const key of ipxeQueryFacts) {
        const v = c.req.query(key);
        if (v !== undefined && v !== '' && v.length <= 200) facts[key] = v;
      }
      const firmware = firmwareFromIpxePlatform(facts.platform);
      recorder.seen({ mac, ...(remote ? { ip: unmapped(remote) } : {}), ...facts, ...(firmware ? { firmware } : {}) } as MachineFacts);
      const what = choice.kind === 'profile' ? `profile ${choice.profile.name} (${choice.reason})` : choice.kind === 'menu' ? `menu (${choice.reason})` : choice.reason;
      recorder.event(mac, 'script', what);
    }
    log.info('boot script', { mac, peer: remote, choice: choice.kind, reason: choice.reason });
    c.header('content-type', 'text/plain; charset=utf-8');
    c.header('cache-control', 'no-store');
    if (choice.kind === 'profile') {
      if (choice.clearBootOnce && mac !== null) {
        await store.update((draft) => {
          const m = draft.machines.find((x) => x.mac === mac);
          if (m !== undefined) delete m.bootOnce;
        });
      }
      const kernelKind = choice.profile.kind === 'kernel' || choice.profile.kind === 'nfs-root' || choice.profile.kind === 'iscsi-root';
      const agent = mac !== null && kernelKind ? await agentHandout(mac) : undefined;
      let rootArgs: readonly string[] = [];
      let san: SanDisk | undefined;
      if (choice.profile.kind === 'iscsi-root' || choice.profile.kind === 'iscsi-sanboot') {
        const why = deps.iscsiDisk === null ? 'iSCSI is off on this server' : mac === null || !remote ? 'the machine is not known by its MAC and address' : null;
        if (why !== null) return c.body(failedScript(`${choice.profile.name}: ${why}`));
        try {
          const disk = await deps.iscsiDisk!(mac!, unmapped(remote!), choice.profile.iscsiImage ?? '');
          san = disk.san;
          if (choice.profile.kind === 'iscsi-root') rootArgs = disk.rootArgs;
        } catch (error) {
          log.error('no iSCSI disk for the machine', { mac, profile: choice.profile.name, error });
          return c.body(failedScript(`${choice.profile.name}: ${(error as Error).message}`));
        }
        recorder.event(mac!, 'root', `iSCSI disk ${san.iqn}`);
      }
      if (choice.profile.kind === 'nfs-root') {
        const why = deps.nfsRootArgs === null ? 'NFS is off on this server' : mac === null || !remote ? 'the machine is not known by its MAC and address' : null;
        if (why !== null) return c.body(failedScript(`${choice.profile.name}: ${why}`));
        try {
          rootArgs = await deps.nfsRootArgs!(mac!, unmapped(remote!), choice.profile.nfsRoot ?? '');
        } catch (error) {
          log.error('no NFS root for the machine', { mac, profile: choice.profile.name, error });
          return c.body(failedScript(`${choice.profile.name}: ${(error as Error).message}`));
        }
        recorder.event(mac!, 'root', `NFS root ${rootArgs.find((a) => a.startsWith('nfsroot='))?.slice(8) ?? ''}`);
      }
      return c.body(renderProfileScript(choice.profile, urlsFor(mac), platform, agent, rootArgs, san));
    }
    if (choice.kind === 'missing-profile') {
      log.warn('boot script names a missing profile; showing the menu', { mac, profile: choice.name });
    }
    return c.body(renderMenu(data.profiles, urlsFor(mac), { ...data.settings.menu, platform }));
  });

  app.on(['GET', 'HEAD'], '/files/profile/:name/:which/:file', async (c) => {
    const profile = store.read().profiles.find((p) => p.name === c.req.param('name'));
    const which = c.req.param('which');
    const source =
      profile === undefined ? undefined : which === 'kernel' ? profile.kernel : /^\d+$/.test(which) ? profile.initrds?.[Number(which)] : undefined;
    if (source === undefined || isUrl(source) || basename(source) !== c.req.param('file')) return c.text('not found\n', 404);
    const mac = await clientMac(c.req.query('mac'), c.env?.incoming?.socket.remoteAddress);
    const stage = which === 'kernel' ? 'kernel' : 'initrd';
    if (mac !== null && c.req.method === 'GET') recorder.event(mac, stage, `${profile!.name}: ${basename(source)} requested`);
    return sendFile(source, {
      method: c.req.method,
      headers: c.req.raw.headers,
      outgoing: c.env?.outgoing,
      kernelSend: deps.kernelSend,
      onComplete: (bytes) => {
        log.info('asset sent', { mac, path: source, bytes });
        if (mac !== null) recorder.event(mac, stage, `${profile!.name}: ${basename(source)} sent`, { bytes });
      },
    });
  });

  app.on(['GET', 'HEAD'], '/ipxe/:file', async (c) => {
    const path = await ipxeBinaryPath(deps.ipxeDir, c.req.param('file'));
    if (path === null) return c.text('not found\n', 404);
    return sendFile(path, { method: c.req.method, headers: c.req.raw.headers, contentType: 'application/octet-stream', outgoing: c.env?.outgoing, kernelSend: deps.kernelSend });
  });

  app.on(['GET', 'HEAD'], '/assets/*', async (c) => {
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path.slice('/assets/'.length));
    } catch {
      return c.text('bad path\n', 400);
    }
    const path = await resolveContained(deps.assetsDir, rel);
    if (path === null) return c.text('not found\n', 404);
    return sendFile(path, { method: c.req.method, headers: c.req.raw.headers, outgoing: c.env?.outgoing, kernelSend: deps.kernelSend });
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.route('/', agentRoutes({ store, recorder, log }));
  return app;
}

// Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d.
function unmapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
