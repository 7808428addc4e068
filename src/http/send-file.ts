// Serves one file with HEAD, Range, Accept-Ranges, ETag and Last-Modified (RFC 9110 §8.8, §13, §14).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { parseRange } from './byte-range.js';
import type { KernelSend } from './kernel-send.js';

export interface SendFileOptions {
  readonly method: string;
  readonly headers: Headers;
  readonly contentType?: string;
  /** Called once the body has been handed over in full (not for HEAD, 304 or errors). */
  readonly onComplete?: (bytes: number) => void;
  /**
   * The Node response when running under @hono/node-server (c.env.outgoing). Piping the file straight into
   * it skips the web-stream adapter, which more than halves large-file throughput; without it (tests using
   * app.request) the body goes through a web ReadableStream.
   */
  readonly outgoing?: ServerResponse | undefined;
  /** With `outgoing`: send the body with sendfile(2) instead of through the process, when available. */
  readonly kernelSend?: KernelSend | null | undefined;
}

// Below this a plain write is as cheap as handing the file to the kernel.
const KERNEL_SEND_MIN_BYTES = 64 * 1024;

export async function sendFile(path: string, options: SendFileOptions): Promise<Response> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return new Response('not found\n', { status: 404 });
  }
  if (!info.isFile()) return new Response('not found\n', { status: 404 });
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = new Headers({
    'accept-ranges': 'bytes',
    etag,
    'last-modified': info.mtime.toUTCString(),
    'content-type': options.contentType ?? 'application/octet-stream',
  });
  if (notModified(options.headers, etag, info.mtime)) return new Response(null, { status: 304, headers });

  const ifRange = options.headers.get('if-range');
  const rangeHeader = ifRange === null || ifRange === etag ? (options.headers.get('range') ?? undefined) : undefined;
  const range = parseRange(rangeHeader, info.size);
  if (range.kind === 'unsatisfiable') {
    headers.set('content-range', `bytes */${info.size}`);
    return new Response(null, { status: 416, headers });
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : info.size - 1;
  const length = info.size === 0 ? 0 : end - start + 1;
  headers.set('content-length', String(length));
  if (range.kind === 'partial') headers.set('content-range', `bytes ${start}-${end}/${info.size}`);
  const status = range.kind === 'partial' ? 206 : 200;
  if (options.method === 'HEAD' || length === 0) {
    if (length === 0 && options.method !== 'HEAD') options.onComplete?.(0);
    return new Response(null, { status, headers });
  }
  const out = options.outgoing;
  if (out === undefined) {
    const stream = createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
    if (options.onComplete) stream.once('end', () => options.onComplete?.(length));
    return new Response(Readable.toWeb(stream) as ReadableStream, { status, headers });
  }
  out.writeHead(status, Object.fromEntries(headers));
  const sent =
    options.kernelSend && length >= KERNEL_SEND_MIN_BYTES
      ? options.kernelSend.sendRange(out, path, start, length).then(() => out.end())
      : pipeline(createReadStream(path, { start, end, highWaterMark: 1024 * 1024 }), out);
  sent.then(
    () => options.onComplete?.(length),
    () => out.destroy(), // the client went away or stalled mid-transfer: nothing to report
  );
  return RESPONSE_ALREADY_SENT;
}

function notModified(headers: Headers, etag: string, mtime: Date): boolean {
  const inm = headers.get('if-none-match');
  // If-None-Match compares weakly (RFC 9110 §13.1.2): W/"x" matches "x".
  if (inm !== null) return inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
  const ims = headers.get('if-modified-since');
  if (ims === null) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) <= Math.floor(since / 1000);
}
