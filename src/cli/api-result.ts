// Turns an admin API answer into CLI output and an exit code (API errors carry {error: {code, message}}).
import type { ApiResponse } from '../control/control-client.js';
import type { Output } from './output.js';

export function failed(res: ApiResponse, io: Output): boolean {
  if (res.status < 400) return false;
  const error = (res.body as { error?: { message?: string } } | null)?.error;
  io.err(`bramble: ${error?.message ?? `request failed with status ${res.status}`}`);
  return true;
}
