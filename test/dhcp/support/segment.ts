// A test LAN segment (two namespaces, one veth pair, 198.18.0.0/24) with the server fixture and real clients on it.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns } from '../../support/netns.js';
import { startProcess } from '../../support/managed-process.js';
import type { ManagedProcess } from '../../support/managed-process.js';
import type { Netns } from '../../support/netns.js';
import { runCommandStatus } from '../../support/run-command.js';
import { Teardown } from '../../support/teardown.js';
import { addVeth } from './veth.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVER_ADDRESS = '198.18.0.1';

export interface Segment {
  readonly server: Netns;
  readonly client: Netns;
  readonly serverIf: string;
  readonly clientIf: string;
  /** A scratch folder for scripts, lease files and client output. */
  readonly dir: string;
  destroy(): Promise<void>;
}

export async function createSegment(options: { readonly clientMac: string; readonly clientAddress?: string }): Promise<Segment> {
  const teardown = new Teardown();
  const destroy = (): Promise<void> => teardown.run();
  const dir = mkdtempSync(join(tmpdir(), 'bdhcp-seg-'));
  teardown.defer('scratch folder', () => rmSync(dir, { recursive: true, force: true }));
  try {
    const server = await createNetns();
    teardown.defer(`namespace ${server.name}`, () => server.destroy());
    const client = await createNetns();
    teardown.defer(`namespace ${client.name}`, () => client.destroy());
    await addVeth(
      { ns: server, ifname: 'bs0', address: `${SERVER_ADDRESS}/24` },
      { ns: client, ifname: 'bc0', mac: options.clientMac, ...(options.clientAddress === undefined ? {} : { address: options.clientAddress }) },
    );
    return { server, client, serverIf: 'bs0', clientIf: 'bc0', dir, destroy };
  } catch (error) {
    // The setup error is the one worth reporting; a namespace left behind is removed by sweepStaleNetns later.
    await destroy().catch(() => undefined);
    throw error;
  }
}

/** Starts test/dhcp/fixtures/serve.ts inside `ns` and waits until it has bound its sockets. */
export async function startServerFixture(ns: Netns, options: Record<string, unknown>): Promise<ManagedProcess> {
  const child = startProcess(ns.argv([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/dhcp/fixtures/serve.ts'), JSON.stringify(options)]), {
    label: 'DHCP server fixture',
    cwd: REPO_ROOT,
  });
  try {
    await child.waitFor(/^READY /m, 30_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

export interface FixtureEvent {
  readonly mac: string;
  readonly type: string;
  readonly port: number;
  readonly kind: string;
  readonly address?: string;
  readonly reason?: string;
}

export function eventsOf(child: ManagedProcess): FixtureEvent[] {
  return child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('EVENT '))
    .map((line) => JSON.parse(line.slice(6)) as FixtureEvent);
}

export interface ClientLease {
  readonly ip: string;
  readonly router: string;
  readonly dns: string;
  readonly subnet: string;
  readonly serverId: string;
}

/**
 * busybox udhcpc, once: -q quit after a lease, -n fail when none comes. The script only records what udhcpc
 * passes it (the namespace's interface configuration does not matter here). Null when it got nothing.
 */
export async function runUdhcpc(seg: Segment, options: { readonly tries?: number } = {}): Promise<ClientLease | null> {
  const out = join(seg.dir, `udhcpc-${Date.now()}.out`);
  const script = join(seg.dir, 'udhcpc.sh');
  writeFileSync(
    script,
    `#!/bin/sh\nif [ "$1" = bound ]; then echo "ip=$ip|router=$router|dns=$dns|subnet=$subnet|serverid=$serverid" >> '${out}'; fi\nexit 0\n`,
  );
  chmodSync(script, 0o755);
  const tries = String(options.tries ?? 4);
  const result = await runCommandStatus(seg.client.argv(['busybox', 'udhcpc', '-i', seg.clientIf, '-f', '-q', '-n', '-t', tries, '-T', '1', '-A', '1', '-s', script]), {
    timeoutMs: 60_000,
  });
  if (result.code !== 0 || !existsSync(out)) return null;
  return parseLease(readFileSync(out, 'utf8'), { ip: 'ip', router: 'router', dns: 'dns', subnet: 'subnet', serverId: 'serverid' });
}

/** ISC dhclient in the foreground; resolves once its script saw BOUND (then stops it), null if it gave up. */
export async function runDhclient(seg: Segment, options: { readonly timeoutSeconds?: number } = {}): Promise<ClientLease | null> {
  const out = join(seg.dir, `dhclient-${Date.now()}.out`);
  const script = join(seg.dir, 'dhclient.sh');
  const conf = join(seg.dir, 'dhclient.conf');
  writeFileSync(
    script,
    `#!/bin/sh\ncase "$reason" in BOUND|RENEW|REBOOT) echo "ip=$new_ip_address|router=$new_routers|dns=$new_domain_name_servers|subnet=$new_subnet_mask|serverid=$new_dhcp_server_identifier" >> '${out}';; esac\nexit 0\n`,
  );
  chmodSync(script, 0o755);
  writeFileSync(conf, `timeout ${options.timeoutSeconds ?? 20};\ninitial-interval 1;\nrequest subnet-mask, routers, domain-name-servers;\n`);
  const child = startProcess(
    seg.client.argv(['dhclient', '-d', '-1', '-v', '-cf', conf, '-sf', script, '-lf', join(seg.dir, 'dhclient.leases'), '-pf', join(seg.dir, 'dhclient.pid'), seg.clientIf]),
    { label: 'dhclient' },
  );
  try {
    const deadline = Date.now() + ((options.timeoutSeconds ?? 20) + 10) * 1000;
    while (Date.now() < deadline) {
      if (existsSync(out)) {
        return parseLease(readFileSync(out, 'utf8'), { ip: 'ip', router: 'router', dns: 'dns', subnet: 'subnet', serverId: 'serverid' });
      }
      // -1: dhclient exits when it gives up.
      const exited = await child.waitForExit(250).then(
        () => true,
        () => false,
      );
      if (exited) return existsSync(out) ? parseLease(readFileSync(out, 'utf8'), { ip: 'ip', router: 'router', dns: 'dns', subnet: 'subnet', serverId: 'serverid' }) : null;
    }
    throw new Error(`dhclient neither bound nor gave up; output:\n${child.output()}`);
  } finally {
    await child.stop();
  }
}

function parseLease(text: string, keys: Record<keyof ClientLease, string>): ClientLease | null {
  const line = text.trim().split('\n').at(-1);
  if (line === undefined || line === '') return null;
  const fields = new Map(line.split('|').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return {
    ip: fields.get(keys.ip) ?? '',
    router: fields.get(keys.router) ?? '',
    dns: fields.get(keys.dns) ?? '',
    subnet: fields.get(keys.subnet) ?? '',
    serverId: fields.get(keys.serverId) ?? '',
  };
}
