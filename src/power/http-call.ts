// One HTTP request from a power driver to its device over Node's fetch (WHATWG Fetch), failures mapped to PowerFailureCode.
import type { PowerFailureCode } from './driver.js';

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** Names the target in messages, e.g. "Tasmota at http://10.0.0.5"; never the query, which may hold a password. */
  readonly label: string;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Passwords and tokens to blank out should the device quote them back in an answer we show. */
  readonly secrets?: readonly string[];
  /** Appended to AUTH_FAILED messages: which settings to check. */
  readonly authHint?: string;
  /** Return a 401's WWW-Authenticate header with the failure, for a driver that answers the challenge (Digest). */
  readonly wantChallenge?: boolean;
}

export interface HttpFailure {
  readonly ok: false;
  readonly code: PowerFailureCode;
  readonly message: string;
  /** The WWW-Authenticate header of a 401 when the call asked for it. */
  readonly challenge?: string;
}

export type HttpAnswer = { readonly ok: true; readonly status: number; readonly body: string } | HttpFailure;

// Device answers are a few hundred bytes; anything this large is not the device we were told about.
const maxBodyBytes = 64 * 1024;
const maxQuotedChars = 120;

// llhttp's error codes: something answered, but not in HTTP.
const httpParseError = /^HPE_/;

export function failure(code: PowerFailureCode, message: string): HttpFailure {
  return { ok: false, code, message };
}

/** A device address (perhaps behind a path prefix) joined with an endpoint path and an already-encoded query. */
export function endpoint(base: string, path: string, query = ''): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = query;
  return url;
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** A device answer shortened to one line for a message, with every configured secret blanked out. */
export function quoteAnswer(body: string, secrets: readonly string[] = []): string {
  let text = body.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) text = text.split(form).join('***');
  }
  if (text === '') return '(empty)';
  return text.length > maxQuotedChars ? `${text.slice(0, maxQuotedChars)}…` : text;
}

/** The answer's body as a JSON object (what every device API here answers), or BAD_RESPONSE. */
export function jsonObject(
  answer: { readonly body: string },
  call: Pick<HttpCall, 'label' | 'secrets'>,
): { readonly ok: true; readonly value: Readonly<Record<string, unknown>> } | HttpFailure {
  let value: unknown;
  try {
    value = JSON.parse(answer.body);
  } catch {
    return failure('BAD_RESPONSE', `${call.label}: answered something that is not JSON: ${quoteAnswer(answer.body, call.secrets)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('BAD_RESPONSE', `${call.label}: answered JSON that is not an object: ${quoteAnswer(answer.body, call.secrets)}`);
  }
  return { ok: true, value: value as Readonly<Record<string, unknown>> };
}

export async function httpCall(call: HttpCall, signal: AbortSignal): Promise<HttpAnswer> {
  const both = AbortSignal.any([signal, AbortSignal.timeout(call.timeoutMs)]);
  const timedOut = (): HttpFailure =>
    failure(
      'TIMEOUT',
      signal.aborted
        ? `${call.label}: gave up waiting for an answer, the power action's time ran out`
        : `${call.label}: no answer within ${call.timeoutMs / 1000} s`,
    );
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers: { accept: 'application/json, text/plain, */*', ...call.headers },
      // A redirect could carry our credentials elsewhere; a device that redirects is configured with the wrong URL.
      redirect: 'manual',
      signal: both,
    });
  } catch (error) {
    if (both.aborted) return timedOut();
    return fromNetworkError(call.label, error);
  }
  let body: string | undefined;
  try {
    body = await readCapped(response);
  } catch (error) {
    if (both.aborted) return timedOut();
    return fromNetworkError(call.label, error);
  }
  if (body === undefined) return failure('BAD_RESPONSE', `${call.label}: answered more than ${maxBodyBytes / 1024} KiB`);
  const status = response.status;
  if (status === 401 || status === 403) {
    const challenge = response.headers.get('www-authenticate');
    const hint = call.authHint === undefined ? '' : `; ${call.authHint}`;
    return {
      ...failure('AUTH_FAILED', `${call.label}: refused the request (HTTP ${status})${hint}`),
      ...(challenge === null || call.wantChallenge !== true ? {} : { challenge }),
    };
  }
  if (status >= 300 && status < 400) {
    return failure('BAD_RESPONSE', `${call.label}: redirected elsewhere (HTTP ${status}); configure the address it redirects to`);
  }
  if (status < 200 || status >= 300) {
    return failure('BAD_RESPONSE', `${call.label}: HTTP ${status}: ${quoteAnswer(body, call.secrets)}`);
  }
  return { ok: true, status, body };
}

async function readCapped(response: Response): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBodyBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// fetch rejects with TypeError("fetch failed") whose cause carries an errno or undici code; its messages can
// quote the URL, so only the code goes into ours.
function fromNetworkError(label: string, error: unknown): HttpFailure {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const raw = typeof cause === 'object' && cause !== null && 'code' in cause ? (cause as { code: unknown }).code : undefined;
  const code = typeof raw === 'string' && /^[A-Z0-9_]+$/.test(raw) ? raw : undefined;
  if (code !== undefined && httpParseError.test(code)) {
    return failure('BAD_RESPONSE', `${label}: answered something that is not HTTP (${code})`);
  }
  const why = code === undefined ? '' : ` (${code})`;
  return failure('UNREACHABLE', `${label}: cannot be reached${why}; check the address and that the device is on the network`);
}
