// The shape of Bramble's store (lowdb JSON in the data folder) and its schema version.
// Boot events and DHCP leases are deliberately not here: they live in their own append-only files.

export const SCHEMA_VERSION = 1;

export type ProfileKind = 'kernel' | 'script' | 'chain' | 'local-disk';

export interface Profile {
  readonly name: string;
  readonly kind: ProfileKind;
  readonly description?: string;
  /** kernel: a path (served by Bramble's HTTP) or an http(s) URL. */
  readonly kernel?: string;
  readonly initrds?: readonly string[];
  readonly cmdline?: string;
  /** script: raw iPXE script body (without the #!ipxe line is fine). */
  readonly script?: string;
  /** chain: a URL iPXE chains to. */
  readonly chain?: string;
  readonly createdAt: string;
}

/** How the machine's firmware identified itself the last time it asked us anything. */
export type Firmware = 'bios' | 'uefi' | 'uefi-http' | 'ipxe' | 'rpi' | 'unknown';

export interface Machine {
  readonly mac: string;
  readonly name?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly ip?: string;
  /** RFC 4578 option 93 client architecture. */
  readonly arch?: number;
  readonly archName?: string;
  readonly firmware?: Firmware;
  readonly uuid?: string;
  readonly serial?: string;
  readonly manufacturer?: string;
  readonly product?: string;
  readonly platform?: string;
  readonly buildarch?: string;
  readonly hostname?: string;
  /** Profile this machine always boots; unset means the default profile or the menu. */
  readonly profile?: string;
  /** Profile to boot the next time only; cleared once its boot script has been served. */
  readonly bootOnce?: string;
  /** Full DHCP mode: the address this machine always gets (best outside the dynamic pool range). */
  readonly reservedAddress?: string;
}

export interface MenuSettings {
  readonly title: string;
  readonly timeoutSeconds: number;
  /** Menu entry chosen when the timeout runs out: a profile name, or 'local', 'shell', 'reboot'. */
  readonly defaultEntry: string;
}

export interface Settings {
  readonly menu: MenuSettings;
}

export interface StoreData {
  readonly version: number;
  readonly settings: Settings;
  readonly profiles: readonly Profile[];
  readonly machines: readonly Machine[];
}

export function emptyStore(): StoreData {
  return {
    version: SCHEMA_VERSION,
    settings: { menu: { title: 'Bramble network boot', timeoutSeconds: 10, defaultEntry: 'local' } },
    profiles: [],
    machines: [],
  };
}
