// Structured logger: one JSON object per line, with per-packet fields (mac, xid, peer) merged in by child().

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const rank: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly write: (line: string) => void;
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const min = rank[options.level];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (rank[level] < min) return;
    const time = now().toISOString();
    // A field named time, level or msg must not disguise the record itself.
    const record = Object.assign({ time, level, msg }, base, fields, { time, level, msg });
    let line: string;
    try {
      line = JSON.stringify(record, jsonSafe);
    } catch (error) {
      // Logging must never throw into the caller (a packet handler, say): keep the message, name the problem.
      line = JSON.stringify({ time, level, msg, logError: `fields could not be written: ${(error as Error).message}` });
    }
    options.write(line + '\n');
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything; for tests and library callers that do not care. */
export function silentLogger(): Logger {
  const noop = (): void => {};
  const self: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => self };
  return self;
}

// Errors and Buffers do not serialise usefully by default; bigint throws.
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('hex');
  }
  return value;
}
