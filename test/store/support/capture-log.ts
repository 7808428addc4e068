// A Logger for store tests that keeps every record, so tests can assert on warnings and debug counts.
import { createLogger, type Logger } from '../../../src/log/logger.js';

export interface LogRecord {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export function captureLog(): { readonly log: Logger; readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', write: (line) => records.push(JSON.parse(line) as LogRecord) });
  return { log, records };
}
