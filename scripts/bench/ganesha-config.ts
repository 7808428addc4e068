// nfs-ganesha's configuration for the NFS benchmark: NFSv3 over TCP only, VFS exports of plain folders, no
// NLM, RQUOTA or NFSv4 grace, so that it starts in about a second and serves exactly what Bramble serves.

export interface GaneshaExport {
  /** Folder exported (FSAL VFS); NFSv3 clients mount it by this path. */
  readonly path: string;
  /** Pseudo path: ganesha requires one per export even with NFSv4 off. */
  readonly pseudo: string;
  /** RO for a folder that Bramble serves as a golden root too: ganesha must not be the one to change it. */
  readonly accessType: 'RW' | 'RO';
}

export interface GaneshaConfig {
  readonly nfsPort: number;
  readonly mountPort: number;
  /** Where ganesha keeps NFSv4 client recovery records: the bench's temp folder, not /var/lib/nfs/ganesha,
   * which another ganesha on this machine (the NFS fixture capture) may be using. */
  readonly recoveryRoot: string;
  readonly exports: readonly GaneshaExport[];
}

export function ganeshaConfig(config: GaneshaConfig): string {
  // Bind_addr is left out: ganesha's lookup of 127.0.0.1 fails in a namespace that holds only lo (see
  // test/nfs/capture-fixtures.ts), and lo is all the bench namespace has. Tunables (workers, MaxRead,
  // MaxWrite) stay at ganesha's defaults: the peer is measured as shipped.
  const exports = config.exports.map(
    (e, i) => `EXPORT {
  Export_Id = ${i + 1};
  Path = ${quote(e.path)};
  Pseudo = ${quote(e.pseudo)};
  Access_Type = ${e.accessType};
  Squash = None;
  Protocols = 3;
  Transports = TCP;
  SecType = sys;
  FSAL { Name = VFS; }
}
`,
  );
  return `NFS_CORE_PARAM {
  Protocols = 3;
  NFS_Port = ${config.nfsPort};
  MNT_Port = ${config.mountPort};
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
}
NFSV4 {
  Graceless = true;
  RecoveryRoot = ${quote(config.recoveryRoot)};
}
${exports.join('')}`;
}

function quote(value: string): string {
  // Ganesha's parser takes a double-quoted string; a quote or newline inside would end it early.
  if (/["\n\\]/.test(value)) throw new Error(`ganesha config: unsupported character in ${JSON.stringify(value)}`);
  return `"${value}"`;
}
