// The shape of Bramble's store (lowdb JSON in the data folder) and its schema version.
// Boot events and DHCP leases are deliberately not here: they live in their own append-only files.

export const SCHEMA_VERSION = 4;

export type ProfileKind = 'kernel' | 'nfs-root' | 'iscsi-root' | 'iscsi-sanboot' | 'script' | 'chain' | 'local-disk';

export interface Profile {
  readonly name: string;
  readonly kind: ProfileKind;
  readonly description?: string;
  /** kernel: a path (served by Bramble's HTTP) or an http(s) URL. */
  readonly kernel?: string;
  readonly initrds?: readonly string[];
  readonly cmdline?: string;
  /** nfs-root: the golden root (a folder of the NFS roots folder) each machine gets its own layer over. */
  readonly nfsRoot?: string;
  /**
   * iscsi-root (with a kernel whose initramfs logs in) and iscsi-sanboot (iPXE boots the disk itself): the golden
   * image each machine gets its own copy-on-write disk over.
   */
  readonly iscsiImage?: string;
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
  /** Labels the user gives, e.g. "k3s", "rack-2". */
  readonly tags?: string[]; // a plain array type, so that whole Machine records fit update() drafts
  /** How Bramble switches this machine on and off: a driver name plus that driver's settings (src/power/). */
  readonly power?: PowerSettings;
  /** What the inventory agent reported from the booted machine (src/inventory/agent-facts.ts). */
  readonly hardware?: Readonly<Record<string, unknown>>;
  readonly hardwareAt?: string;
  /** sha256 of the token the agent posts its facts with; handed out in the machine's boot script. */
  readonly agentTokenHash?: string;
}

/** A driver name and its settings; each driver validates its own (parseXSettings in src/power/). */
export interface PowerSettings {
  readonly driver: string;
  readonly [setting: string]: unknown;
}

/** A person who may log in to the web page and the API. */
export interface User {
  readonly name: string;
  /** scrypt, see src/auth/password-hash.ts; the password itself is never stored. */
  readonly passwordHash: string;
  readonly createdAt: string;
}

/** A browser session: the cookie holds the id, the store only its sha256. */
export interface Session {
  readonly idHash: string;
  readonly user: string;
  /** Sent back in the X-CSRF-Token header with every change the browser asks for. */
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** A bearer token for scripts and the CLI over HTTP; shown once when made, stored as sha256. */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly user: string;
  readonly secretHash: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

/** An NFS export (src/nfs/exports.ts): a golden root shared read-only, or one machine's layer over it. */
export interface NfsExport {
  /** Goes into every file handle of the export; never reused. */
  readonly id: number;
  /** What clients mount: /bramble/ROOT (shared) or /bramble/ROOT/LABEL (a layer; the label is the MAC for machines). */
  readonly path: string;
  readonly root: string;
  readonly kind: 'shared' | 'layer';
  /** The machine this layer belongs to, made on its first boot with an nfs-root profile. */
  readonly machine?: string;
  /** Who may mount it: one IPv4 address or a CIDR subnet. */
  readonly allow: string;
  readonly rootSquash: boolean;
  /** Bumped by a reset: handles from before answer NFS3ERR_STALE. */
  readonly generation: number;
  readonly createdAt: string;
  readonly resetAt?: string;
}

/** An iSCSI disk (src/iscsi/disks.ts), served as its own target: a copy-on-write overlay of a golden image, or raw. */
export interface IscsiDisk {
  /** Names the disk's folder, <data>/iscsi/disks/<id>; never reused. */
  readonly id: number;
  /** The iSCSI target name initiators log in to. */
  readonly iqn: string;
  /** A copy-on-write disk's golden image (a file <images>/<image>.img); absent for a raw disk. */
  readonly image?: string;
  /** 'raw': a disk file of its own (<data>/iscsi/disks/<id>/disk.img), every block stored, nothing to reset to. */
  readonly kind?: 'raw';
  /** The machine this disk belongs to, made on its first boot with an iSCSI profile. */
  readonly machine?: string;
  /** Who may log in: one IPv4 address or a CIDR subnet. */
  readonly allow: string;
  /** CHAP the initiator must pass; the secret goes only into that machine's own boot script. */
  readonly chapUser: string;
  readonly chapSecret: string;
  /**
   * The target's own CHAP name and secret, for initiators that check the target too (mutual CHAP); they go into
   * the boot script beside the initiator's. Absent only in stores made before mutual CHAP: filled in on start.
   */
  readonly targetUser?: string;
  readonly targetSecret?: string;
  readonly sizeBytes: number;
  readonly createdAt: string;
  readonly resetAt?: string;
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
  readonly users: readonly User[];
  readonly sessions: readonly Session[];
  readonly apiTokens: readonly ApiToken[];
  readonly nfsExports: readonly NfsExport[];
  readonly iscsiDisks: readonly IscsiDisk[];
}

export function emptyStore(): StoreData {
  return {
    version: SCHEMA_VERSION,
    settings: { menu: { title: 'Bramble network boot', timeoutSeconds: 10, defaultEntry: 'local' } },
    profiles: [],
    machines: [],
    users: [],
    sessions: [],
    apiTokens: [],
    nfsExports: [],
    iscsiDisks: [],
  };
}
