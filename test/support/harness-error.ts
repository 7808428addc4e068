// Errors raised by the test harness (namespaces, processes, VMs), each with a stable `code` for assertions.

export type HarnessErrorCode =
  | 'TOOL_MISSING'
  | 'NOT_ROOT'
  | 'FILE_MISSING'
  | 'COMMAND_FAILED'
  | 'WAIT_TIMEOUT'
  | 'PROCESS_EXITED'
  | 'KERNEL_PANIC'
  | 'FIRMWARE_GAVE_UP'
  | 'KERNEL_MISSING'
  | 'MODULE_MISSING'
  | 'BRAMBLE_NOT_BUILT';

export class HarnessError extends Error {
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}
