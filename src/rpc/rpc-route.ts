// Which program, version and procedure answers a decoded call, or which refusal RFC 5531 §9 asks for instead.
import { AuthStat } from './auth.js';
import { hasVersion, versionRange } from './rpc-program.js';
import type { RpcHandler, RpcProgram, RpcVersions } from './rpc-program.js';
import type { RpcCall, RpcReply } from './rpc-message.js';
import { RpcServerError } from './rpc-server-error.js';

/** Programs by number; one number may be served by several programs with disjoint versions (portmap v2, rpcbind v3/v4). */
export type RpcRegistry = ReadonlyMap<number, readonly RpcProgram[]>;

export type RouteDecision =
  /** Answered without a handler: NULL, or a refusal. */
  | { readonly kind: 'reply'; readonly reply: RpcReply }
  | { readonly kind: 'handler'; readonly program: RpcProgram; readonly handler: RpcHandler };

export function buildRegistry(programs: readonly RpcProgram[]): RpcRegistry {
  const registry = new Map<number, RpcProgram[]>();
  for (const program of programs) {
    const { low, high } = versionRange(program.vers);
    if (!Number.isInteger(low) || !Number.isInteger(high) || low > high) {
      throw new RpcServerError('INVALID_PROGRAMS', `program ${program.prog} declares no versions`);
    }
    const same = registry.get(program.prog) ?? [];
    for (const other of same) {
      const shared = sharedVersion(program.vers, other.vers);
      if (shared !== null) {
        throw new RpcServerError('INVALID_PROGRAMS', `program ${program.prog} version ${shared} is registered twice`);
      }
    }
    registry.set(program.prog, [...same, program]);
  }
  return registry;
}

export function routeCall(registry: RpcRegistry, call: RpcCall): RouteDecision {
  const xid = call.xid;
  // Like libtirpc's svc_getreq, credentials are judged before the program: a flavor we cannot read is refused
  // whatever it was meant for (rpcbind answers an RPCSEC_GSS NULL with AUTH_BADCRED; see the captured fixture).
  if (call.cred.flavor === 'other') return reply({ kind: 'auth_error', xid, stat: AuthStat.badCred });
  const candidates = registry.get(call.prog);
  if (candidates === undefined) return reply({ kind: 'prog_unavail', xid });
  const program = candidates.find((p) => hasVersion(p.vers, call.vers));
  if (program === undefined) {
    const ranges = candidates.map((p) => versionRange(p.vers));
    const low = Math.min(...ranges.map((r) => r.low));
    const high = Math.max(...ranges.map((r) => r.high));
    return reply({ kind: 'prog_mismatch', xid, low, high });
  }
  if (call.proc === 0) return reply({ kind: 'success', xid });
  if (program.auth === 'sys' && call.cred.flavor !== 'sys') {
    return reply({ kind: 'auth_error', xid, stat: AuthStat.tooWeak });
  }
  const handler = program.procedures.get(call.proc);
  if (handler === undefined) return reply({ kind: 'proc_unavail', xid });
  return { kind: 'handler', program, handler };
}

/** A version both declare, or null; without walking a range that may span 2^32 versions. */
function sharedVersion(a: RpcVersions, b: RpcVersions): number | null {
  if (!('low' in a)) return [...a].find((v) => hasVersion(b, v)) ?? null;
  if (!('low' in b)) return [...b].find((v) => hasVersion(a, v)) ?? null;
  const low = Math.max(a.low, b.low);
  return low <= Math.min(a.high, b.high) ? low : null;
}

function reply(r: RpcReply): RouteDecision {
  return { kind: 'reply', reply: r };
}
