// `bramble doctor`: checks this host for what serving needs and looks for other DHCP servers on the segment.
import { parseArgs } from 'node:util';
import { hostInterfaces } from '../net/host-interfaces.js';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { settingsTable, type SettingName } from '../config/settings-table.js';
import { ConfigError, loadServeConfig } from '../config/load.js';
import { silentLogger } from '../log/logger.js';
import { probeDhcpServers } from '../dhcp/probe.js';
import { isServerRunning } from '../control/control-client.js';
import { dhcpAdvice, servicePortAdvice, type Finding } from './doctor-advice.js';
import { tcpPortFree } from '../net/port-free.js';
import type { Output } from './output.js';

export async function doctorCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const options: Record<string, { type: 'string' }> = { config: { type: 'string' }, 'probe-seconds': { type: 'string' } };
  for (const s of Object.values(settingsTable)) options[s.flag] = { type: 'string' };
  const { values } = parseArgs({ args: [...args], options, strict: true });
  const flags: Partial<Record<SettingName, unknown>> = {};
  for (const [name, s] of Object.entries(settingsTable)) if (values[s.flag] !== undefined) flags[name as SettingName] = values[s.flag];
  const configFile = (values.config as string | undefined) ?? env.BRAMBLE_CONFIG ?? null;
  const findings: Finding[] = [];
  const report = (f: Finding) => {
    findings.push(f);
    io.out(`${f.level === 'ok' ? ' ok ' : f.level === 'warn' ? 'warn' : 'FAIL'}  ${f.text}`);
  };
  let config;
  try {
    config = await loadServeConfig({ flags, env, configFile: configFile === null ? null : resolve(configFile), interfaces: hostInterfaces });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report({ level: 'fail', text: error.message });
    return 1;
  }
  report({ level: 'ok', text: `interface ${config.interface} has ${config.address}/${config.netmask}` });
  for (const file of ['undionly.kpxe', config.uefiBootFile]) {
    const path = join(config.ipxeDir, file);
    const present = await access(path).then(() => true, () => false);
    report(present ? { level: 'ok', text: `iPXE binary ${path} present` } : { level: 'fail', text: `iPXE binary ${path} missing (Debian: apt install ipxe)` });
  }
  const running = await isServerRunning(resolve(config.dataDir));
  report({ level: 'ok', text: running ? `a bramble server is running on ${config.dataDir}` : `no bramble server is running on ${config.dataDir}` });
  // With a server running the ports are its own; without, a taken one would stop `serve` (rpcbind on 111, most often).
  if (!running) {
    const ports = [
      ...(config.nfs ? ([[config.portmapPort, 'portmapper', '--portmap-port'], [config.mountdPort, 'MOUNT', '--mountd-port'], [config.nfsPort, 'NFS', '--nfs-port']] as const) : []),
      ...(config.iscsi ? ([[config.iscsiPort, 'iSCSI', '--iscsi-port']] as const) : []),
    ];
    for (const [port, what, flag] of ports) {
      const check = await tcpPortFree(config.address, port);
      report(check.free ? { level: 'ok', text: `${what} port ${port} is free on ${config.address}` } : servicePortAdvice(what, port, flag, config.address, check.code));
    }
  }
  // dnsmasq pings an address for about 3 s before offering it, so a shorter wait can miss a home router.
  const seconds = Number(values['probe-seconds'] ?? 5);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) {
    report({ level: 'fail', text: `--probe-seconds: must be a whole number from 1 to 60 (got "${String(values['probe-seconds'])}")` });
    return 1;
  }
  try {
    const found = await probeDhcpServers({ interfaceName: config.interface, mac: config.mac, timeoutMs: seconds * 1000, log: silentLogger() });
    for (const f of dhcpAdvice(found, config.address, config.dhcpMode)) report(f);
  } catch (error) {
    report({ level: 'warn', text: `could not probe for DHCP servers: ${(error as Error).message}` });
  }
  return findings.some((f) => f.level === 'fail') ? 1 : 0;
}
