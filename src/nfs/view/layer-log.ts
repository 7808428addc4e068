// A machine layer's metadata on disk: layer records in a group-committed JSON Lines journal, replayed at open.
import type { Logger } from '../../log/logger.js';
import { openJournal, readJournal } from '../../store/jsonl-journal.js';
import { applyRecord, emptyLayer, recordsOf, type LayerRecord, type LayerState } from './layer-state.js';
import { decodeLayerLine, encodeLayerGroup } from './layer-record-line.js';

export class LayerLogError extends Error {
  readonly code: 'LAYER_LOG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LayerLogError';
    this.code = 'LAYER_LOG';
  }
}

export interface LayerLog {
  /** Every change made so far, including those still on their way to disk. */
  state(): LayerState;
  /**
   * Applies one change's records to state at once (so the next request sees them) and resolves once they are
   * on disk: answer the client only then. After a failed write the log refuses every later change, because
   * state would otherwise run ahead of the disk.
   */
  commit(records: readonly LayerRecord[]): Promise<void>;
  /** Resolves once every change so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function openLayerLog(path: string, log: Logger, options: { slack?: number } = {}): Promise<LayerLog> {
  const failure = (message: string, cause: unknown): Error => new LayerLogError(message, { cause });
  const read = await readJournal(path, (line) => {
    const decoded = decodeLayerLine(line);
    return decoded.ok ? decoded.records : null;
  }, failure);
  // A crash mid-append tears only the last line; anything more means the file was edited.
  if (read.skipped > 0) log.warn('skipped unreadable layer log lines', { path, skipped: read.skipped });
  const state = emptyLayer();
  for (const group of read.records) for (const record of group) applyRecord(state, record);
  const journal = await openJournal<readonly LayerRecord[]>({
    path,
    log,
    format: encodeLayerGroup,
    snapshot: function* () {
      for (const record of recordsOf(state)) yield [record];
    },
    failure,
    what: 'layer log',
    ...(options.slack === undefined ? {} : { slack: options.slack }),
  });
  let broken: Error | null = null;
  return {
    state: () => state,
    async commit(records) {
      if (broken !== null) throw broken;
      for (const record of records) applyRecord(state, record);
      try {
        await journal.append(records);
      } catch (error) {
        broken = error as Error;
        throw error;
      }
    },
    flush: () => journal.flush(),
    close: () => journal.close(),
  };
}
