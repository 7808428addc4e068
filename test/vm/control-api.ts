// Calls a running `bramble serve`'s REST API v1 through its control socket (<dataDir>/bramble.sock), as its owner.
import { controlSocketPath, socketCall } from '../../src/control/control-client.js';
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
  return socketCall(controlSocketPath(dataDir), method, `/api/v1${path}`, body).catch((error: unknown) => {
    throw new HarnessError('COMMAND_FAILED', `${method} ${path}: ${(error as Error).message}`);
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
