// RPC credentials and verifiers (RFC 5531 §8.2, §9 opaque_auth, appendix A AUTH_SYS), decoded to plain objects.
//
// AUTH_NONE and AUTH_SYS are understood; any other flavor comes back as { flavor: 'other' } so the server can
// answer AUTH_ERROR (AUTH_BADCRED or AUTH_TOOWEAK) rather than the call failing to decode. A malformed body of
// a known flavor is BAD_CRED, which the server answers with AUTH_BADCRED.
import { XdrReader } from './xdr-reader.js';
import type { XdrReaderOptions } from './xdr-reader.js';
import { XdrDecodeError } from './xdr-error.js';
import { XdrWriter } from './xdr-writer.js';

export const AuthFlavor = {
  none: 0,
  sys: 1,
  short: 2,
  dh: 3,
  rpcsecGss: 6,
  tls: 7,
} as const;

export const AuthStat = {
  ok: 0,
  badCred: 1,
  rejectedCred: 2,
  badVerf: 3,
  rejectedVerf: 4,
  tooWeak: 5,
  invalidResp: 6,
  failed: 7,
  // RFC 2203 §5.3.3.3 (RPCSEC_GSS).
  gssCredProblem: 13,
  gssCtxProblem: 14,
} as const;

const flavorNames = new Map<number, string>(Object.entries(AuthFlavor).map(([name, value]) => [value, name]));
const authStatNames = new Map<number, string>(Object.entries(AuthStat).map(([name, value]) => [value, name]));

export function authFlavorName(flavor: number): string {
  return flavorNames.get(flavor) ?? `flavor ${flavor}`;
}

export function authStatName(stat: number): string {
  return authStatNames.get(stat) ?? `auth_stat ${stat}`;
}

/** RFC 5531 §8.2: the body of a credential or verifier is at most 400 bytes. */
export const MAX_AUTH_BYTES = 400;
/** RFC 5531 appendix A: machinename<255>, gids<16>. */
export const AUTH_SYS_MAX_MACHINENAME = 255;
export const AUTH_SYS_MAX_GIDS = 16;

/** opaque_auth as on the wire: a flavor and its body (a view of the message). */
export interface OpaqueAuth {
  readonly flavor: number;
  readonly body: Uint8Array;
}

export const AUTH_NONE_VERF: OpaqueAuth = Object.freeze({ flavor: AuthFlavor.none, body: new Uint8Array(0) });

export interface AuthSysParams {
  readonly stamp: number;
  readonly machinename: string;
  readonly uid: number;
  readonly gid: number;
  readonly gids: readonly number[];
}

export type Credential =
  | { readonly flavor: 'none' }
  | ({ readonly flavor: 'sys' } & AuthSysParams)
  | { readonly flavor: 'other'; readonly number: number; readonly body: Uint8Array };

export type CredentialResult =
  | { readonly ok: true; readonly credential: Credential }
  | { readonly ok: false; readonly code: 'BAD_CRED'; readonly detail: string };

export function decodeCredential(auth: OpaqueAuth, options: XdrReaderOptions = {}): CredentialResult {
  if (auth.flavor === AuthFlavor.none) {
    // RFC 5531 §10.1: AUTH_NONE has a zero-length body; Linux's nfsd refuses any other as a bad credential too.
    if (auth.body.length !== 0) return badCred(`AUTH_NONE credential has a ${auth.body.length}-byte body`);
    return { ok: true, credential: { flavor: 'none' } };
  }
  if (auth.flavor === AuthFlavor.sys) return decodeAuthSys(auth.body, options);
  return { ok: true, credential: { flavor: 'other', number: auth.flavor, body: auth.body } };
}

function decodeAuthSys(body: Uint8Array, options: XdrReaderOptions): CredentialResult {
  const r = new XdrReader(body, options);
  try {
    const stamp = r.uint();
    const machinename = r.string(AUTH_SYS_MAX_MACHINENAME, 'machinename');
    const uid = r.uint();
    const gid = r.uint();
    const gids = r.array(AUTH_SYS_MAX_GIDS, (g) => g.uint(), 'gids');
    // The body is self-delimiting, so bytes after gids mean the sender and we disagree on its layout.
    if (r.remaining !== 0) return badCred(`AUTH_SYS body has ${r.remaining} bytes after its gids`);
    return { ok: true, credential: { flavor: 'sys', stamp, machinename, uid, gid, gids } };
  } catch (err) {
    if (err instanceof XdrDecodeError) return badCred(`AUTH_SYS body: ${err.code}: ${err.message}`);
    throw err;
  }
}

function badCred(detail: string): CredentialResult {
  return { ok: false, code: 'BAD_CRED', detail };
}

/** The opaque_auth of an AUTH_SYS credential, for clients and tests. */
export function authSysCredential(params: AuthSysParams): OpaqueAuth {
  const w = new XdrWriter(64);
  w.uint(params.stamp).string(params.machinename).uint(params.uid).uint(params.gid);
  w.array(params.gids, (g, gid) => g.uint(gid));
  return { flavor: AuthFlavor.sys, body: w.toBuffer() };
}

export function readOpaqueAuth(r: XdrReader, what: string): OpaqueAuth {
  const flavor = r.uint();
  const body = r.opaque(MAX_AUTH_BYTES, `${what} body`);
  return { flavor, body };
}

export function writeOpaqueAuth(w: XdrWriter, auth: OpaqueAuth): void {
  w.uint(auth.flavor).opaque(auth.body);
}
