// Accounts, browser sessions and API tokens over the store (OWASP session management guidance).
//
// Secrets never touch the store or the log: sessions and tokens are kept as sha256 of their random value,
// passwords as scrypt. The only secret ever printed is the first admin password, once, at first start.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { ApiToken, Session } from '../store/schema.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import { LoginLimiter } from './login-limiter.js';
import { newSecret, secretHash, secretMatches } from './secret-token.js';

export const ADMIN_USER = 'admin';
export const SESSION_DAYS = 7;
const DAY_MS = 86_400_000;
/** API tokens look like `brt_<id>_<secret>`: the id finds the record, the secret proves it. */
const TOKEN_PATTERN = /^brt_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface Principal {
  readonly user: string;
  readonly via: 'session' | 'token' | 'control-socket';
  /** Present for sessions: changes must carry it (X-CSRF-Token). */
  readonly csrfToken?: string;
}

export type LoginResult =
  | { readonly ok: true; readonly sessionId: string; readonly csrfToken: string; readonly expiresAt: string }
  | { readonly ok: false; readonly code: 'BAD_CREDENTIALS' }
  | { readonly ok: false; readonly code: 'RATE_LIMITED'; readonly retryAfterMs: number };

export class AuthService {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #limiter = new LoginLimiter();

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Creates the admin account on first start; returns its password that one time (the caller prints it once). */
  async ensureAdmin(): Promise<{ readonly created: false } | { readonly created: true; readonly user: string; readonly password: string }> {
    if (this.#store.read().users.length > 0) return { created: false };
    const password = randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(password);
    const created = await this.#store.update((draft) => {
      if (draft.users.length > 0) return false;
      draft.users.push({ name: ADMIN_USER, passwordHash, createdAt: new Date(this.#now()).toISOString() });
      return true;
    });
    return created ? { created: true, user: ADMIN_USER, password } : { created: false };
  }

  async login(name: string, password: string, address: string): Promise<LoginResult> {
    const now = this.#now();
    const gate = this.#limiter.check(address, now);
    if (!gate.allowed) return { ok: false, code: 'RATE_LIMITED', retryAfterMs: gate.retryAfterMs };
    const user = this.#store.read().users.find((u) => u.name === name);
    // A missing user costs the same hashing as a wrong password, so timing does not tell which it was.
    const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (user === undefined || !valid) {
      this.#limiter.fail(address, now);
      return { ok: false, code: 'BAD_CREDENTIALS' };
    }
    this.#limiter.succeed(address);
    const sessionId = newSecret();
    const session: Session = {
      idHash: secretHash(sessionId),
      user: user.name,
      csrfToken: newSecret(),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + SESSION_DAYS * DAY_MS).toISOString(),
    };
    await this.#store.update((draft) => {
      draft.sessions = draft.sessions.filter((s) => Date.parse(s.expiresAt) > now);
      draft.sessions.push({ ...session });
    });
    return { ok: true, sessionId, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  async logout(sessionId: string): Promise<void> {
    const idHash = secretHash(sessionId);
    await this.#store.update((draft) => {
      draft.sessions = draft.sessions.filter((s) => s.idHash !== idHash);
    });
  }

  /** The session's principal, or null when the id is unknown or expired. */
  fromSession(sessionId: string): Principal | null {
    // Looked up by hash: comparing hashes leaks nothing about the secret behind them.
    const idHash = secretHash(sessionId);
    const session = this.#store.read().sessions.find((s) => s.idHash === idHash);
    if (session === undefined || Date.parse(session.expiresAt) <= this.#now()) return null;
    return { user: session.user, via: 'session', csrfToken: session.csrfToken };
  }

  fromBearer(token: string): Principal | null {
    const match = TOKEN_PATTERN.exec(token);
    if (match === null) return null;
    const record = this.#store.read().apiTokens.find((t) => t.id === match[1]);
    if (record === undefined || !secretMatches(match[2]!, record.secretHash)) return null;
    return { user: record.user, via: 'token' };
  }

  /** Makes a bearer token; the returned `token` is the only time its secret exists outside the caller. */
  async createToken(user: string, name: string): Promise<{ readonly record: Omit<ApiToken, 'secretHash'>; readonly token: string }> {
    const id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    const secret = newSecret();
    const record: ApiToken = { id, name, user, secretHash: secretHash(secret), createdAt: new Date(this.#now()).toISOString() };
    await this.#store.update((draft) => {
      draft.apiTokens.push({ ...record });
    });
    const { secretHash: _hidden, ...shown } = record;
    return { record: shown, token: `brt_${id}_${secret}` };
  }

  listTokens(): ReadonlyArray<Omit<ApiToken, 'secretHash'>> {
    return this.#store.read().apiTokens.map(({ secretHash: _hidden, ...shown }) => shown);
  }

  async deleteToken(id: string): Promise<boolean> {
    return this.#store.update((draft) => {
      const before = draft.apiTokens.length;
      draft.apiTokens = draft.apiTokens.filter((t) => t.id !== id);
      return draft.apiTokens.length < before;
    });
  }

  /** Changes a password and ends every other session of that user. */
  async changePassword(user: string, current: string, next: string, keepSessionId: string | null): Promise<'changed' | 'BAD_CREDENTIALS'> {
    const record = this.#store.read().users.find((u) => u.name === user);
    if (record === undefined || !(await verifyPassword(current, record.passwordHash))) return 'BAD_CREDENTIALS';
    const passwordHash = await hashPassword(next);
    const keep = keepSessionId === null ? null : secretHash(keepSessionId);
    await this.#store.update((draft) => {
      const u = draft.users.find((x) => x.name === user);
      if (u !== undefined) u.passwordHash = passwordHash;
      draft.sessions = draft.sessions.filter((s) => s.user !== user || s.idHash === keep);
    });
    return 'changed';
  }
}

/** A valid hash of a random password nobody knows, for the missing-user path. */
const DUMMY_HASH = 'scrypt$16384$8$1$' + 'AAAAAAAAAAAAAAAAAAAAAA' + '$' + 'A'.repeat(43);
