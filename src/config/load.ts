// Builds the validated serve configuration from defaults, a YAML file, BRAMBLE_* environment and CLI flags.
import { readFile } from 'node:fs/promises';
import type { NetworkInterfaceInfo } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { broadcastOf, formatIpv4, parseIpv4, prefixToNetmask, sameSubnet } from '../net/ipv4.js';
import { settingsTable, type AddressRange, type SettingName, type SettingValues } from './settings-table.js';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly key: string, message: string, options?: { cause?: unknown }) {
    super(`config: ${key}: ${message}`, options);
  }
}

export interface ServeConfig extends Omit<SettingValues, 'interface' | 'address' | 'dhcpNetmask'> {
  readonly interface: string;
  readonly address: string;
  readonly netmask: string;
  /** The interface's hardware address (used as the client MAC when probing for other DHCP servers). */
  readonly mac: string;
  readonly configFile: string | null;
}

export interface ConfigSources {
  /** Values from CLI flags, by setting name; only the flags the user gave. */
  readonly flags: Partial<Record<SettingName, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  readonly configFile: string | null;
  readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> | Promise<NodeJS.Dict<NetworkInterfaceInfo[]>>;
}

export async function loadServeConfig(sources: ConfigSources): Promise<ServeConfig> {
  const fileValues = sources.configFile === null ? {} : await readConfigFile(sources.configFile);
  const values = mergeSettings(fileValues, sources.env, sources.flags);
  return resolveNetwork(values, await sources.interfaces(), sources.configFile);
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('config', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new ConfigError('config', `${path} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('config', `${path} must hold a YAML mapping`);
  return flattenKeys(doc as Record<string, unknown>, path);
}

const knownKeys = new Map(Object.entries(settingsTable).map(([name, s]) => [s.key, name as SettingName]));

// Nested YAML (dhcp: {mode: full}) and dotted keys (dhcp.mode: full) both map onto the table's dotted keys.
function flattenKeys(doc: Record<string, unknown>, path: string, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix + k;
    if (knownKeys.has(key)) out[key] = v;
    // A section whose entries are all commented out (`dhcp:` alone) parses as null.
    else if (v === null && isSection(key)) continue;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenKeys(v as Record<string, unknown>, path, key + '.'));
    else throw new ConfigError(key, `unknown setting in ${path} (known: ${[...knownKeys.keys()].join(', ')})`);
  }
  return out;
}

function isSection(key: string): boolean {
  return [...knownKeys.keys()].some((k) => k.startsWith(key + '.'));
}

export function mergeSettings(
  fileValues: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  flags: Partial<Record<SettingName, unknown>>,
): SettingValues {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(settingsTable) as [SettingName, (typeof settingsTable)[SettingName]][]) {
    let value: unknown = spec.default;
    const layers: [boolean, unknown, string][] = [
      [spec.key in fileValues, fileValues[spec.key], 'config file'],
      [env[spec.env] !== undefined, env[spec.env], spec.env],
      [flags[name] !== undefined, flags[name], `--${spec.flag}`],
    ];
    // Every layer given is checked, not only the winner: a bad value must not hide behind an override.
    for (const [given, raw, from] of layers) {
      if (!given) continue;
      const parsed = spec.parse(raw);
      if (!parsed.ok) throw new ConfigError(spec.key, `${parsed.error} (from ${from}; got ${JSON.stringify(raw)})`);
      value = parsed.value;
    }
    values[name] = value;
  }
  return values as SettingValues;
}

/** Fills in interface, address and netmask from the host, and checks the DHCP settings fit together. */
export function resolveNetwork(
  values: SettingValues,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  configFile: string | null,
): ServeConfig {
  const candidates = Object.entries(interfaces)
    .map(([name, infos]) => ({ name, v4: (infos ?? []).filter((i) => i.family === 'IPv4' && !i.internal) }))
    .filter((c) => c.v4.length > 0);
  let ifName = values.interface;
  if (ifName === null) {
    if (candidates.length !== 1) {
      const names = candidates.map((c) => c.name).join(', ') || 'none';
      throw new ConfigError('interface', `choose the interface to serve on with --interface (IPv4 interfaces found: ${names})`);
    }
    ifName = candidates[0]!.name;
  }
  const infos = interfaces[ifName];
  if (infos === undefined) {
    throw new ConfigError('interface', `no interface named "${ifName}" (found: ${Object.keys(interfaces).join(', ')})`);
  }
  const v4 = infos.filter((i) => i.family === 'IPv4');
  const chosen = values.address === null ? v4[0] : v4.find((i) => i.address === values.address);
  if (chosen === undefined) {
    throw new ConfigError(
      values.address === null ? 'interface' : 'address',
      values.address === null
        ? `interface "${ifName}" has no IPv4 address`
        : `${values.address} is not an address of interface "${ifName}" (it has: ${v4.map((i) => i.address).join(', ') || 'none'})`,
    );
  }
  const netmask = values.dhcpNetmask ?? chosen.netmask ?? formatIpv4(prefixToNetmask(24));
  if (values.dhcpMode === 'full') checkPool(values.dhcpRange, chosen.address, netmask);
  const { interface: _i, address: _a, dhcpNetmask: _n, ...rest } = values;
  return { ...rest, interface: ifName, address: chosen.address, netmask, mac: chosen.mac, configFile };
}

function checkPool(range: AddressRange | null, address: string, netmask: string): void {
  if (range === null) throw new ConfigError('dhcp.range', 'full DHCP mode needs an address pool: --dhcp-range FIRST-LAST');
  const mask = parseIpv4(netmask)!;
  const self = parseIpv4(address)!;
  for (const end of [range.first, range.last]) {
    if (!sameSubnet(parseIpv4(end)!, self, mask)) {
      throw new ConfigError('dhcp.range', `${end} is outside this server's subnet ${address}/${netmask}`);
    }
  }
  const first = parseIpv4(range.first)!;
  const last = parseIpv4(range.last)!;
  if (self >= first && self <= last) throw new ConfigError('dhcp.range', `the pool ${range.first}-${range.last} contains this server's own address ${address}`);
  const network = (self & mask) >>> 0;
  const broadcast = broadcastOf(self, mask);
  if (first <= network || last >= broadcast) {
    throw new ConfigError('dhcp.range', `the pool ${range.first}-${range.last} must not include the network (${formatIpv4(network)}) or broadcast (${formatIpv4(broadcast)}) address`);
  }
}
