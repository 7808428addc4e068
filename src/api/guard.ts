// Who is asking (session cookie, bearer token, or the owner-only control socket) and CSRF protection (OWASP).
//
// Browsers authenticate with an HttpOnly, SameSite=Strict cookie; every change they ask for must also carry the
// session's CSRF token in X-CSRF-Token, and an Origin, when sent, must be this host. Bearer tokens are not sent
// by browsers on their own, so they need neither.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AuthService, Principal } from '../auth/auth-service.js';
import { problem } from './problem.js';

export const SESSION_COOKIE = 'bramble_session';

export type ApiEnv = { Variables: { principal: Principal; sessionId: string | null } };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `trusted`: the request came through the control socket, whose file mode already limits it to the owner. */
export function guard(auth: AuthService, trusted: boolean, open: ReadonlySet<string>): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    c.set('sessionId', null);
    if (trusted) {
      c.set('principal', { user: 'admin', via: 'control-socket' });
      return next();
    }
    if (open.has(`${c.req.method} ${c.req.routePath}`) || open.has(`${c.req.method} ${new URL(c.req.url).pathname}`)) return next();
    const principal = identify(c, auth);
    if (principal === null) return problem(401, 'UNAUTHENTICATED', 'log in, or send Authorization: Bearer <token>', undefined, { 'www-authenticate': 'Bearer realm="bramble"' });
    if (principal.via === 'session' && !SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined && !sameHost(origin, c.req.header('host'))) return problem(403, 'CSRF', `origin ${origin} is not this server`);
      if (c.req.header('x-csrf-token') !== principal.csrfToken) return problem(403, 'CSRF', 'missing or wrong X-CSRF-Token header');
    }
    c.set('principal', principal);
    return next();
  };
}

function identify(c: Context<ApiEnv>, auth: AuthService): Principal | null {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match === null ? null : auth.fromBearer(match[1]!);
  }
  const sessionId = getCookie(c, SESSION_COOKIE);
  if (sessionId === undefined) return null;
  const principal = auth.fromSession(sessionId);
  if (principal !== null) c.set('sessionId', sessionId);
  return principal;
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
