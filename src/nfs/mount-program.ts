// The MOUNT v3 program (RFC 1813 appendix I, program 100005): hands a permitted client its export's root handle.
//
// The mount list (DUMP) is advisory, as in every server: clients that crash never unmount, so it is capped and
// kept in memory only. Access is decided by export-access.ts, the same rule NFS requests are checked against.
import { AuthFlavor } from '../rpc/auth.js';
import type { RpcProgram, RpcHandler } from '../rpc/rpc-program.js';
import { mayUse, type ExportRule } from './export-access.js';
import {
  decodeMntArgs,
  decodeUmntArgs,
  encodeDumpRes,
  encodeExportRes,
  encodeMntRes,
  MAX_MOUNT_LIST,
  Mount3Proc,
  Mount3Status,
  MOUNT_PROGRAM,
  MOUNT_V3,
  type ExportNode,
  type MountBody,
} from './mount3.js';

export interface MountableExport {
  /** The path clients mount, e.g. /bramble/nodes/52-54-00-12-34-56. */
  readonly path: string;
  readonly rule: ExportRule;
  /** The export's root handle (file-handle.ts); made on demand so a reset's new generation shows at once. */
  readonly rootHandle: () => Uint8Array;
}

export interface MountProgram extends RpcProgram {
  /** Who mounted what, as DUMP answers it. */
  mounts(): readonly MountBody[];
}

/** Paths compare without trailing slashes: "/srv/x/" and "/srv/x" are one export. */
const normal = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') : path);

export function mountProgram(exports: () => readonly MountableExport[]): MountProgram {
  const mounts: MountBody[] = [];

  const mnt: RpcHandler = (context, results) => {
    const path = normal(decodeMntArgs(context.args));
    const found = exports().find((e) => normal(e.path) === path);
    if (found === undefined) return void encodeMntRes(results, { status: Mount3Status.noent });
    if (!mayUse(found.rule, context.client.address)) return void encodeMntRes(results, { status: Mount3Status.acces });
    const body = { hostname: context.client.address, directory: found.path };
    if (!mounts.some((m) => m.hostname === body.hostname && m.directory === body.directory)) {
      if (mounts.length >= MAX_MOUNT_LIST) mounts.shift();
      mounts.push(body);
    }
    encodeMntRes(results, { status: Mount3Status.ok, fhandle: found.rootHandle(), authFlavors: [AuthFlavor.sys] });
  };

  const umnt: RpcHandler = (context) => {
    const path = normal(decodeUmntArgs(context.args));
    const i = mounts.findIndex((m) => m.hostname === context.client.address && normal(m.directory) === path);
    if (i >= 0) mounts.splice(i, 1);
  };

  const umntall: RpcHandler = (context) => {
    for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i]!.hostname === context.client.address) mounts.splice(i, 1);
  };

  // Only what the asking machine may mount: one machine's layer is none of another's business, and clients
  // such as libnfs pick an export from this list.
  const exportList: RpcHandler = (context, results) => {
    const nodes: ExportNode[] = exports().filter((e) => mayUse(e.rule, context.client.address)).map((e) => ({
      dir: e.path,
      groups: [e.rule.allow.kind === 'address' ? e.rule.allow.address : `${e.rule.allow.network}/${e.rule.allow.prefix}`],
    }));
    encodeExportRes(results, nodes);
  };

  return {
    prog: MOUNT_PROGRAM,
    vers: { low: MOUNT_V3, high: MOUNT_V3 },
    name: 'mount',
    procedures: new Map<number, RpcHandler>([
      [Mount3Proc.mnt, mnt],
      [Mount3Proc.dump, (_context, results) => void encodeDumpRes(results, mounts)],
      [Mount3Proc.umnt, umnt],
      [Mount3Proc.umntall, umntall],
      [Mount3Proc.export, exportList],
    ]),
    mounts: () => [...mounts],
  };
}
