// HTTP Digest access authentication, RFC 7616 (MD5 and SHA-256, their -sess forms, qop=auth): challenge in, Authorization out.
import { createHash } from 'node:crypto';

const algorithms = { 'MD5': 'md5', 'MD5-SESS': 'md5', 'SHA-256': 'sha256', 'SHA-256-SESS': 'sha256' } as const;
type AlgorithmName = keyof typeof algorithms;

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  /** As the server spelled it, echoed back in the answer. */
  readonly algorithm: string;
  readonly opaque?: string;
  /** RFC 7616 §3.4.4: send H(username ":" realm) instead of the username. */
  readonly userhash: boolean;
  /** The server's nonce expired but our credentials were right (§3.3). */
  readonly stale: boolean;
}

export type ChallengeParse = { readonly ok: true; readonly challenge: DigestChallenge } | { readonly ok: false; readonly error: string };

export interface DigestRequest {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  /** The request-target exactly as sent: path and query. */
  readonly uri: string;
  /** Client nonce; random per request in use, fixed in golden tests. */
  readonly cnonce: string;
  /** How many times this nonce has been used, counting this request (1 for the first). */
  readonly nc: number;
}

interface RawChallenge {
  readonly scheme: string;
  readonly params: Map<string, string>;
}

/**
 * Picks the first Digest challenge we can answer from a WWW-Authenticate value (RFC 7235 §4.1; several challenges,
 * or several headers joined with commas, may arrive together and the server lists its preferred one first).
 */
export function parseDigestChallenge(header: string): ChallengeParse {
  const parsed = parseChallenges(header);
  if (typeof parsed === 'string') return { ok: false, error: parsed };
  const digests = parsed.filter((c) => c.scheme.toLowerCase() === 'digest');
  if (digests.length === 0) {
    const schemes = parsed.map((c) => c.scheme).join(', ') || 'nothing';
    return { ok: false, error: `the server asks for ${schemes}, not Digest authentication` };
  }
  let why = '';
  for (const c of digests) {
    const algorithm = c.params.get('algorithm') ?? 'MD5';
    const realm = c.params.get('realm');
    const nonce = c.params.get('nonce');
    const qop = (c.params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
    if (!Object.hasOwn(algorithms, algorithm.toUpperCase())) why = `algorithm ${algorithm} is not supported (MD5 and SHA-256 are)`;
    else if (!qop.includes('auth')) why = 'the challenge does not offer qop=auth';
    else if (realm === undefined || nonce === undefined) why = 'the challenge lacks a realm or a nonce';
    else {
      const opaque = c.params.get('opaque');
      return {
        ok: true,
        challenge: {
          realm,
          nonce,
          algorithm,
          ...(opaque === undefined ? {} : { opaque }),
          userhash: c.params.get('userhash')?.toLowerCase() === 'true',
          stale: c.params.get('stale')?.toLowerCase() === 'true',
        },
      };
    }
  }
  return { ok: false, error: why };
}

/** The Authorization header value answering `challenge` (RFC 7616 §3.4). */
export function digestAuthorization(challenge: DigestChallenge, request: DigestRequest): string {
  const name = challenge.algorithm.toUpperCase() as AlgorithmName;
  const hash = (text: string): string => createHash(algorithms[name]).update(text, 'utf8').digest('hex');
  const nc = request.nc.toString(16).padStart(8, '0');
  const secret = hash(`${request.username}:${challenge.realm}:${request.password}`);
  const ha1 = name.endsWith('-SESS') ? hash(`${secret}:${challenge.nonce}:${request.cnonce}`) : secret;
  const ha2 = hash(`${request.method}:${request.uri}`);
  const response = hash(`${ha1}:${challenge.nonce}:${nc}:${request.cnonce}:auth:${ha2}`);
  const user = challenge.userhash
    ? `username=${quote(hash(`${request.username}:${challenge.realm}`))}`
    : usernameParam(request.username);
  const parts = [
    user,
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(request.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(challenge.nonce)}`,
    `nc=${nc}`,
    `cnonce=${quote(request.cnonce)}`,
    'qop=auth',
    `response=${quote(response)}`,
    ...(challenge.opaque === undefined ? [] : [`opaque=${quote(challenge.opaque)}`]),
    ...(challenge.userhash ? ['userhash=true'] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}

// §3.4.4: a username that a quoted-string cannot carry goes as username* in RFC 8187 encoding.
function usernameParam(username: string): string {
  if (/^[\x20-\x7e]*$/.test(username)) return `username=${quote(username)}`;
  return `username*=UTF-8''${encodeURIComponent(username)}`;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const token68 = /^[A-Za-z0-9\-._~+/]+=*[ \t]*(,|$)/;

/** RFC 7235 §2.1 / §4.1: `scheme [token68 | auth-param *("," auth-param)]`, challenges separated by commas. */
function parseChallenges(header: string): RawChallenge[] | string {
  const out: RawChallenge[] = [];
  let current: RawChallenge | undefined;
  let i = 0;
  const skip = (chars: RegExp): void => {
    while (i < header.length && chars.test(header[i]!)) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && tchar.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(/[ \t,]/);
    if (i >= header.length) break;
    const token = readToken();
    if (token === '') return `unexpected character at position ${i} of the challenge`;
    skip(/[ \t]/);
    if (header[i] === '=' && current !== undefined) {
      i++;
      skip(/[ \t]/);
      let value: string;
      if (header[i] === '"') {
        i++;
        value = '';
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\') i++;
          value += header[i] ?? '';
          i++;
        }
        if (i >= header.length) return 'unterminated quoted string in the challenge';
        i++;
      } else {
        value = readToken();
      }
      current.params.set(token.toLowerCase(), value);
      skip(/[ \t]/);
      if (i < header.length && header[i] !== ',') return `unexpected character at position ${i} of the challenge`;
      continue;
    }
    if (header[i] === '=') return `parameter ${token} comes before any scheme`;
    current = { scheme: token, params: new Map() };
    out.push(current);
    const rest = token68.exec(header.slice(i));
    if (rest !== null) i += rest[0].length;
  }
  return out;
}
