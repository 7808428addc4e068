// Errors the DHCP server raises at start/stop, each with a stable `code` (and the OS error as `cause`).

export type DhcpServerErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_POOL'
  | 'EADDRINUSE'
  | 'EACCES'
  | 'NO_SUCH_INTERFACE'
  | 'BIND_DEVICE_FAILED'
  | 'BIND_FAILED'
  | 'LEASE_FILE'
  | 'NOT_STARTED';

export class DhcpServerError extends Error {
  readonly code: DhcpServerErrorCode;

  constructor(code: DhcpServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DhcpServerError';
    this.code = code;
  }
}
