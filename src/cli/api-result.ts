// Turns an admin API answer into CLI output and an exit code (API errors carry {error: {code, message}}).
import type { ApiResponse } from '../control/control-client.js';
import type { Output } from './output.js';

export interface ApiError {
  readonly code: string;
  readonly message: string;
}

/** The answer's error, or null when it succeeded; a NO_SERVER error's message says what to do about it. */
export function apiError(res: ApiResponse): ApiError | null {
  if (res.status < 400) return null;
  const error = (res.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`;
  const message = typeof error?.message === 'string' ? error.message : `request failed with status ${res.status}`;
  // The API only knows that no server answered; the CLI user needs the command that fixes it.
  return code === 'NO_SERVER' ? { code, message: `${message}: no server runs on this data folder, start bramble serve first` } : { code, message };
}

export function failed(res: ApiResponse, io: Output): boolean {
  const error = apiError(res);
  if (error === null) return false;
  io.err(`bramble: ${error.message}`);
  return true;
}
