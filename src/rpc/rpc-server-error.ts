// Errors the RPC server (RFC 5531) raises at registration, start and stop, each with a stable `code`.

export type RpcServerErrorCode =
  /** Two programs claim the same program and version, or a program declares no versions. */
  | 'INVALID_PROGRAMS'
  | 'ALREADY_STARTED'
  | 'EADDRINUSE'
  | 'EACCES'
  | 'EADDRNOTAVAIL'
  | 'BIND_FAILED';

export class RpcServerError extends Error {
  readonly code: RpcServerErrorCode;

  constructor(code: RpcServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RpcServerError';
    this.code = code;
  }
}

const bindCodes = new Set<string>(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** The error for a socket that would not bind, naming what and where so the operator can act on it. */
export function bindError(what: string, address: string, port: number, cause: NodeJS.ErrnoException): RpcServerError {
  const code = (cause.code !== undefined && bindCodes.has(cause.code) ? cause.code : 'BIND_FAILED') as RpcServerErrorCode;
  return new RpcServerError(code, `${what} cannot bind ${address}:${port} (${cause.code ?? cause.message})`, { cause });
}
