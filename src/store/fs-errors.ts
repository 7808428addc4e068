// Node.js system-error codes (errno names such as ENOENT, see errno(3)) as read by the store's file code.

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** For .catch() on operations where a missing file is the normal case. */
export function ignoreMissing(error: unknown): void {
  if (errorCode(error) !== 'ENOENT') throw error;
}
