// REST API v1 login, logout, session, password and bearer tokens (OWASP session management guidance).
import { Hono } from 'hono';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AuthService } from '../auth/auth-service.js';
import { SESSION_DAYS } from '../auth/auth-service.js';
import { SESSION_COOKIE, type ApiEnv } from './guard.js';
import { jsonObject, problem } from './problem.js';

export const MIN_PASSWORD = 10;

export interface AuthRoutesDeps {
  readonly auth: AuthService;
  /** The client's address, for rate limiting logins. */
  readonly clientAddress: (c: Context<ApiEnv>) => string;
}

export function authRoutes(deps: AuthRoutesDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { auth } = deps;

  app.post('/login', async (c) => {
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected {"username": ..., "password": ...}');
    for (const field of ['username', 'password'] as const) {
      if (typeof input[field] !== 'string' || input[field] === '') return problem(400, 'INVALID_LOGIN', `${field}: required`, field);
    }
    const result = await auth.login(input.username as string, input.password as string, deps.clientAddress(c));
    if (!result.ok && result.code === 'RATE_LIMITED') {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      return problem(429, 'RATE_LIMITED', `too many failed logins; try again in ${seconds} s`, undefined, { 'retry-after': String(seconds) });
    }
    if (!result.ok) return problem(401, 'BAD_CREDENTIALS', 'wrong username or password');
    setCookie(c, SESSION_COOKIE, result.sessionId, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: SESSION_DAYS * 86_400,
      secure: new URL(c.req.url).protocol === 'https:',
    });
    return c.json({ user: input.username, csrfToken: result.csrfToken, expiresAt: result.expiresAt });
  });

  app.post('/logout', async (c) => {
    const sessionId = c.get('sessionId');
    if (sessionId !== null) await auth.logout(sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ loggedOut: true });
  });

  app.get('/session', (c) => {
    const p = c.get('principal');
    return c.json({ user: p.user, via: p.via, ...(p.csrfToken === undefined ? {} : { csrfToken: p.csrfToken }) });
  });

  app.post('/password', async (c) => {
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected {"current": ..., "next": ...}');
    if (typeof input.current !== 'string') return problem(400, 'INVALID_PASSWORD', 'current: required', 'current');
    if (typeof input.next !== 'string' || input.next.length < MIN_PASSWORD) {
      return problem(400, 'INVALID_PASSWORD', `next: at least ${MIN_PASSWORD} characters`, 'next');
    }
    const outcome = await auth.changePassword(c.get('principal').user, input.current, input.next, c.get('sessionId'));
    return outcome === 'changed' ? c.json({ changed: true }) : problem(403, 'BAD_CREDENTIALS', 'current: wrong password', 'current');
  });

  app.get('/tokens', (c) => c.json(auth.listTokens()));
  app.post('/tokens', async (c) => {
    const input = await jsonObject(c.req.raw);
    const name = input?.name;
    if (typeof name !== 'string' || !/^[\w .-]{1,64}$/.test(name)) return problem(400, 'INVALID_TOKEN', 'name: 1 to 64 letters, digits, spaces, ".", "_" or "-"', 'name');
    const made = await auth.createToken(c.get('principal').user, name);
    return c.json({ ...made.record, token: made.token }, 201);
  });
  app.delete('/tokens/:id', async (c) =>
    (await auth.deleteToken(c.req.param('id'))) ? c.json({ removed: c.req.param('id') }) : problem(404, 'NO_SUCH_TOKEN', `no token ${c.req.param('id')}`),
  );
  return app;
}
