// Bramble's REST API v1 from the browser: JSON both ways, the session's CSRF token on every change, and a
// trip to the login page when the session has ended.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `the server answered ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP';
    this.field = body?.error?.field ?? null;
  }
}

export function toLogin() {
  const here = location.pathname === '/' ? '' : `?next=${encodeURIComponent(location.pathname)}`;
  location.assign(`/login${here}`);
}

/** The logged-in user; also picks up the CSRF token that changes must carry. */
export async function loadSession() {
  const session = await api('GET', '/session');
  csrfToken = session.csrfToken ?? null;
  return session;
}

export function setCsrfToken(token) {
  csrfToken = token;
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401 && path !== '/login') toLogin();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** A machine's path, for the API and for its page (colons kept: a MAC reads better without %3A). */
export const machinePath = (mac) => `/machines/${encodeURIComponent(mac).replace(/%3A/gi, ':')}`;
