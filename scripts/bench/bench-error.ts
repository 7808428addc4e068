// Errors raised by the benchmark harness (`npm run bench`), each with a stable `code` so run.ts can report them.

export type BenchErrorCode =
  | 'USAGE'
  | 'NOT_ROOT'
  | 'TOOL_MISSING'
  | 'COMMAND_FAILED'
  | 'BUILD_FAILED'
  | 'PROCESS_EXITED'
  | 'WAIT_TIMEOUT'
  | 'TRANSFER_FAILED'
  | 'OUTPUT_UNPARSED';

export class BenchError extends Error {
  readonly code: BenchErrorCode;

  constructor(code: BenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchError';
    this.code = code;
  }
}
