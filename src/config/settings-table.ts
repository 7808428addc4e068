// The table of every `bramble serve` setting: its config-file key, CLI flag, environment variable and parser.
// Precedence (lowest first): built-in defaults < YAML config file < BRAMBLE_* environment < CLI flags.
import { isIpv4, parseIpv4 } from '../net/ipv4.js';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface SettingSpec<T> {
  /** Dotted key as written in the YAML config file. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly placeholder: string;
  readonly default: T;
  readonly parse: (raw: unknown) => ParseResult<T>;
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (error: string): ParseResult<never> => ({ ok: false, error });

function text(raw: unknown): ParseResult<string> {
  if (typeof raw === 'string' && raw.trim() !== '') return ok(raw.trim());
  if (typeof raw === 'number') return ok(String(raw));
  return fail('must be a non-empty string');
}

function optionalText(raw: unknown): ParseResult<string | null> {
  if (raw === null || raw === '') return ok(null);
  return text(raw);
}

function port(raw: unknown): ParseResult<number> {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) return fail('must be a port number from 0 to 65535');
  return ok(n);
}

function positiveInt(max: number) {
  return (raw: unknown): ParseResult<number> => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > max) return fail(`must be a whole number from 1 to ${max}`);
    return ok(n);
  };
}

function oneOf<const T extends string>(choices: readonly T[]) {
  return (raw: unknown): ParseResult<T> => {
    if (typeof raw === 'string' && (choices as readonly string[]).includes(raw.trim())) return ok(raw.trim() as T);
    return fail(`must be one of ${choices.join(', ')}`);
  };
}

function optionalIpv4(raw: unknown): ParseResult<string | null> {
  if (raw === null || raw === '') return ok(null);
  if (typeof raw === 'string' && isIpv4(raw.trim())) return ok(raw.trim());
  return fail('must be an IPv4 address like 192.168.1.10');
}

function ipv4List(raw: unknown): ParseResult<readonly string[]> {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
  if (items === null) return fail('must be a list of IPv4 addresses');
  const out: string[] = [];
  for (const item of items) {
    // Only separators may be empty ("a,,b"); a YAML number or null in the list is a mistake, not a gap.
    if (typeof item !== 'string') return fail(`"${String(item)}" is not an IPv4 address`);
    const s = item.trim();
    if (s === '') continue;
    if (!isIpv4(s)) return fail(`"${String(item)}" is not an IPv4 address`);
    out.push(s);
  }
  return ok(out);
}

export interface AddressRange {
  readonly first: string;
  readonly last: string;
}

function optionalRange(raw: unknown): ParseResult<AddressRange | null> {
  if (raw === null || raw === '') return ok(null);
  if (typeof raw !== 'string') return fail('must look like FIRST-LAST, e.g. 192.168.1.100-192.168.1.200');
  const [first, last, extra] = raw.split('-').map((s) => s.trim());
  if (first === undefined || last === undefined || extra !== undefined) {
    return fail('must look like FIRST-LAST, e.g. 192.168.1.100-192.168.1.200');
  }
  const a = parseIpv4(first);
  const b = parseIpv4(last);
  if (a === null || b === null) return fail('both ends must be IPv4 addresses');
  if (a > b) return fail('the first address must not be above the last');
  return ok({ first, last });
}

function optionalNetmask(raw: unknown): ParseResult<string | null> {
  if (raw === null || raw === '') return ok(null);
  const value = typeof raw === 'string' ? parseIpv4(raw.trim()) : null;
  if (value === null) return fail('must be a netmask like 255.255.255.0');
  const inverted = ~value >>> 0;
  if ((inverted & (inverted + 1)) !== 0) return fail('must be a contiguous netmask like 255.255.255.0');
  return ok((raw as string).trim());
}

function boolean(raw: unknown): ParseResult<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  if (raw === 'true' || raw === 'yes' || raw === '1' || raw === 'on') return ok(true);
  if (raw === 'false' || raw === 'no' || raw === '0' || raw === 'off') return ok(false);
  return fail('must be true or false');
}

function spec<T>(s: SettingSpec<T>): SettingSpec<T> {
  return s;
}

export const settingsTable = {
  interface: spec({ key: 'interface', flag: 'interface', env: 'BRAMBLE_INTERFACE', placeholder: 'IF', default: null as string | null,
    help: 'network interface to serve on (default: the only non-loopback IPv4 interface)', parse: optionalText }),
  address: spec({ key: 'address', flag: 'address', env: 'BRAMBLE_ADDRESS', placeholder: 'IP', default: null as string | null,
    help: "this server's IPv4 address (default: the interface's IPv4)", parse: optionalIpv4 }),
  dataDir: spec({ key: 'dataDir', flag: 'data-dir', env: 'BRAMBLE_DATA_DIR', placeholder: 'DIR', default: '/var/lib/bramble',
    help: 'data folder: store, leases, boot events, tftp/ and http/ roots', parse: text }),
  dhcpMode: spec({ key: 'dhcp.mode', flag: 'dhcp-mode', env: 'BRAMBLE_DHCP_MODE', placeholder: 'off|proxy|full', default: 'proxy' as 'off' | 'proxy' | 'full',
    help: 'proxy answers only PXE clients beside your router; full hands out addresses too', parse: oneOf(['off', 'proxy', 'full'] as const) }),
  dhcpRange: spec({ key: 'dhcp.range', flag: 'dhcp-range', env: 'BRAMBLE_DHCP_RANGE', placeholder: 'FIRST-LAST', default: null as AddressRange | null,
    help: 'address pool for full mode', parse: optionalRange }),
  dhcpNetmask: spec({ key: 'dhcp.netmask', flag: 'dhcp-netmask', env: 'BRAMBLE_DHCP_NETMASK', placeholder: 'MASK', default: null as string | null,
    help: "subnet mask for full mode (default: the interface's)", parse: optionalNetmask }),
  dhcpRouter: spec({ key: 'dhcp.router', flag: 'dhcp-router', env: 'BRAMBLE_DHCP_ROUTER', placeholder: 'IP', default: null as string | null,
    help: 'default gateway handed out in full mode', parse: optionalIpv4 }),
  dhcpDns: spec({ key: 'dhcp.dns', flag: 'dhcp-dns', env: 'BRAMBLE_DHCP_DNS', placeholder: 'IP[,IP]', default: [] as readonly string[],
    help: 'DNS servers handed out in full mode', parse: ipv4List }),
  dhcpLeaseSeconds: spec({ key: 'dhcp.leaseSeconds', flag: 'dhcp-lease-time', env: 'BRAMBLE_DHCP_LEASE_TIME', placeholder: 'SECONDS', default: 3600,
    help: 'lease time in full mode', parse: positiveInt(31_536_000) }),
  dhcpProbe: spec({ key: 'dhcp.probe', flag: 'dhcp-probe', env: 'BRAMBLE_DHCP_PROBE', placeholder: 'true|false', default: true,
    help: 'look for other DHCP servers on the segment at startup', parse: boolean }),
  httpPort: spec({ key: 'http.port', flag: 'http-port', env: 'BRAMBLE_HTTP_PORT', placeholder: 'N', default: 80,
    help: 'HTTP port for boot scripts and assets', parse: port }),
  tftpPort: spec({ key: 'tftp.port', flag: 'tftp-port', env: 'BRAMBLE_TFTP_PORT', placeholder: 'N', default: 69,
    help: 'TFTP port', parse: port }),
  ipxeDir: spec({ key: 'ipxeDir', flag: 'ipxe-dir', env: 'BRAMBLE_IPXE_DIR', placeholder: 'DIR', default: '/usr/lib/ipxe',
    help: 'folder holding undionly.kpxe, ipxe.efi, snponly.efi', parse: text }),
  uefiBootFile: spec({ key: 'uefiBootFile', flag: 'uefi-boot-file', env: 'BRAMBLE_UEFI_BOOT_FILE', placeholder: 'FILE', default: 'ipxe.efi',
    help: 'iPXE binary for UEFI x64 PXE clients (ipxe.efi or snponly.efi)', parse: text }),
  defaultProfile: spec({ key: 'defaultProfile', flag: 'default-profile', env: 'BRAMBLE_DEFAULT_PROFILE', placeholder: 'NAME', default: null as string | null,
    help: 'profile unknown machines boot (default: show the menu)', parse: optionalText }),
  wakeDeadlineSeconds: spec({ key: 'power.wakeDeadlineSeconds', flag: 'wake-deadline', env: 'BRAMBLE_WAKE_DEADLINE', placeholder: 'SECONDS', default: 180,
    help: 'after a Wake-on-LAN packet, how long to wait for the machine to boot before recording "wake failed"', parse: positiveInt(3600) }),
  nfs: spec({ key: 'nfs.enabled', flag: 'nfs', env: 'BRAMBLE_NFS', placeholder: 'on|off', default: true,
    help: 'serve NFSv3 diskless roots (portmapper, mountd and nfsd)', parse: boolean }),
  nfsPort: spec({ key: 'nfs.port', flag: 'nfs-port', env: 'BRAMBLE_NFS_PORT', placeholder: 'N', default: 2049,
    help: 'NFS port (TCP and UDP)', parse: port }),
  mountdPort: spec({ key: 'nfs.mountdPort', flag: 'mountd-port', env: 'BRAMBLE_MOUNTD_PORT', placeholder: 'N', default: 20048,
    help: 'MOUNT protocol port (TCP and UDP)', parse: port }),
  portmapPort: spec({ key: 'nfs.portmapPort', flag: 'portmap-port', env: 'BRAMBLE_PORTMAP_PORT', placeholder: 'N', default: 111,
    help: 'portmapper port; kernels and mount ask it where NFS and MOUNT are', parse: port }),
  nfsRoots: spec({ key: 'nfs.roots', flag: 'nfs-roots', env: 'BRAMBLE_NFS_ROOTS', placeholder: 'DIR', default: null as string | null,
    help: 'folder of golden roots, one subfolder each (default: DATA_DIR/nfs/roots)', parse: optionalText }),
  iscsi: spec({ key: 'iscsi.enabled', flag: 'iscsi', env: 'BRAMBLE_ISCSI', placeholder: 'on|off', default: true,
    help: 'serve iSCSI disks (a copy-on-write disk per machine over a golden image)', parse: boolean }),
  iscsiPort: spec({ key: 'iscsi.port', flag: 'iscsi-port', env: 'BRAMBLE_ISCSI_PORT', placeholder: 'N', default: 3260,
    help: 'iSCSI port', parse: port }),
  iscsiImages: spec({ key: 'iscsi.images', flag: 'iscsi-images', env: 'BRAMBLE_ISCSI_IMAGES', placeholder: 'DIR', default: null as string | null,
    help: 'folder of golden disk images, NAME.img each (default: DATA_DIR/iscsi/images)', parse: optionalText }),
  logLevel: spec({ key: 'logLevel', flag: 'log-level', env: 'BRAMBLE_LOG_LEVEL', placeholder: 'LEVEL', default: 'info' as 'debug' | 'info' | 'warn' | 'error',
    help: 'debug, info, warn or error', parse: oneOf(['debug', 'info', 'warn', 'error'] as const) }),
} as const;

export type SettingName = keyof typeof settingsTable;
export type SettingValues = { -readonly [K in SettingName]: (typeof settingsTable)[K]['default'] };
