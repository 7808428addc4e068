// Calls a running `bramble serve`'s REST API v1 through its control socket (<dataDir>/bramble.sock), as its owner.
import { request } from 'node:http';
import { join } from 'node:path';
import { HarnessError } from '../support/harness-error.js';

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A path socket lives in the file system, not the network namespace: the test process reaches the server in
 * its namespace directly. No CLI in between, so the test does not depend on how `bramble machine` reads flags.
 */
export function controlApi(dataDir: string, method: string, path: string, body?: unknown): Promise<ControlAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(dataDir, 'bramble.sock'), method, path: `/api/v1${path}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
        } catch {
          reject(new HarnessError('COMMAND_FAILED', `${method} ${path}: control socket answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.setTimeout(30_000, () => req.destroy(new HarnessError('WAIT_TIMEOUT', `${method} ${path}: no answer on the control socket within 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The body of a 2xx answer; anything else fails with the server's error. */
export async function controlOk(dataDir: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await controlApi(dataDir, method, path, body);
  if (answer.status < 200 || answer.status >= 300) {
    throw new HarnessError('COMMAND_FAILED', `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}
