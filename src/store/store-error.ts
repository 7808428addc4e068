// Errors raised by Bramble's store, each with a stable `code` that callers (CLI, main) can switch on.

export type StoreErrorCode =
  /** The store file and its previous version are both unreadable; Bramble refuses to start empty over them. */
  | 'STORE_CORRUPT'
  /** The file could not be read for a reason that is not its content (permissions, a folder in its place). */
  | 'STORE_UNREADABLE'
  /** The file was written by a newer Bramble whose schema this one does not know. */
  | 'STORE_TOO_NEW'
  /** update() after close(). */
  | 'STORE_CLOSED';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
