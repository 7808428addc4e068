// The web page: web/ files under /static, and the page routes (one shell) that need a logged-in session.
//
// Static files hold no data, so they are public; every page route checks the session cookie and sends the
// browser to /login without one. Headers follow the OWASP secure headers guidance; the CSP allows no inline
// script, which is why web/ keeps all script in modules.
import { Hono } from 'hono';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthService } from '../auth/auth-service.js';
import { SESSION_COOKIE } from '../api/guard.js';
import { resolveContained } from '../files/contained-path.js';
import { sendFile } from './send-file.js';

export const STATIC_PREFIX = '/static/';

/** Client-side routes of the shell; each is also a server route so that a reload or a shared link works. */
export const PAGE_ROUTES = ['/', '/machines/:mac', '/appliance', '/profiles', '/diskless', '/settings'] as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export interface WebRoutesDeps {
  readonly auth: Pick<AuthService, 'fromSession'>;
  /** Defaults to the package's web/ folder. */
  readonly webDir?: string;
}

/**
 * The package's web/ folder. This module sits two levels below the package root both as src/http/*.ts (tsx)
 * and as dist/http/*.js (after the build), so the same relative path works from either.
 */
export function defaultWebDir(from: string = import.meta.url): string {
  return fileURLToPath(new URL('../../web/', from));
}

export function webRoutes(deps: WebRoutesDeps): Hono {
  const webDir = deps.webDir ?? defaultWebDir();
  if (!existsSync(webDir)) throw Object.assign(new Error(`web page folder ${webDir} is missing`), { code: 'NO_WEB_DIR' });
  const app = new Hono();
  const loggedIn = (c: Context) => {
    const session = getCookie(c, SESSION_COOKIE);
    return session !== undefined && deps.auth.fromSession(session) !== null;
  };
  const file = async (c: Context, rel: string) => {
    const path = await resolveContained(webDir, rel);
    if (path === null) return secured(new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
    const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    const response = await sendFile(path, { method: c.req.method, headers: c.req.raw.headers, contentType: type });
    // Revalidated on each use (a cheap 304 by ETag), so a Bramble update never leaves an old script cached.
    response.headers.set('cache-control', 'no-cache');
    return secured(response);
  };

  for (const route of PAGE_ROUTES) {
    app.on(['GET', 'HEAD'], route, (c) => {
      if (!loggedIn(c)) {
        const back = c.req.path === '/' ? '' : `?next=${encodeURIComponent(c.req.path)}`;
        return redirect(`/login${back}`);
      }
      return file(c, 'index.html');
    });
  }
  app.on(['GET', 'HEAD'], '/login', (c) => (loggedIn(c) ? redirect('/') : file(c, 'login.html')));
  app.on(['GET', 'HEAD'], `${STATIC_PREFIX}*`, async (c) => {
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path.slice(STATIC_PREFIX.length));
    } catch {
      return secured(new Response('bad path\n', { status: 400 }));
    }
    // The page files are only what web/ ships: no dotfiles, no README, no folder listings.
    if (rel.split('/').some((s) => s.startsWith('.')) || !(extname(rel) in CONTENT_TYPES) || extname(rel) === '.html') {
      return secured(new Response('not found\n', { status: 404 }));
    }
    return file(c, rel);
  });
  return app;
}

function redirect(location: string): Response {
  return secured(new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } }));
}

function secured(response: Response): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}
