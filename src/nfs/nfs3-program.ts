// NFS program and version 3 procedure numbers (RFC 1813 §3, program 100003 version 3).

export const NFS_PROGRAM = 100003;
export const NFS_V3 = 3;

export const Nfs3Proc = {
  null: 0,
  getattr: 1,
  setattr: 2,
  lookup: 3,
  access: 4,
  readlink: 5,
  read: 6,
  write: 7,
  create: 8,
  mkdir: 9,
  symlink: 10,
  mknod: 11,
  remove: 12,
  rmdir: 13,
  rename: 14,
  link: 15,
  readdir: 16,
  readdirplus: 17,
  fsstat: 18,
  fsinfo: 19,
  pathconf: 20,
  commit: 21,
} as const;

export type Nfs3ProcName = keyof typeof Nfs3Proc;
export type Nfs3ProcNumber = (typeof Nfs3Proc)[Nfs3ProcName];

const procNames = new Map<number, string>(Object.entries(Nfs3Proc).map(([name, v]) => [v, `NFSPROC3_${name.toUpperCase()}`]));

/** The RFC's name (NFSPROC3_GETATTR), for logs. */
export function nfs3ProcName(proc: number): string {
  return procNames.get(proc) ?? `NFSv3 procedure ${proc}`;
}
