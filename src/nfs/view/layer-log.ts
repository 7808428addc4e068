// A machine layer's metadata on disk: layer records in a group-committed JSON Lines journal, replayed at open.
import type { Logger } from '../../log/logger.js';
import { openJournal, readJournal } from '../../store/jsonl-journal.js';
import { applyRecord, emptyLayer, recordsOf, type LayerRecord, type LayerState } from './layer-state.js';
import { decodeLayerRecord, encodeLayerRecord } from './layer-record-line.js';

export class LayerLogError extends Error {
  readonly code: 'LAYER_LOG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LayerLogError';
    this.code = 'LAYER_LOG';
  }
}

export interface LayerLog {
  /** The state including every record whose commit has resolved. */
  state(): LayerState;
  /** Resolves once the change is on disk; only then is it part of state() (answer the client after this). */
  commit(record: LayerRecord): Promise<void>;
  close(): Promise<void>;
}

export async function openLayerLog(path: string, log: Logger, options: { slack?: number } = {}): Promise<LayerLog> {
  const failure = (message: string, cause: unknown): Error => new LayerLogError(message, { cause });
  const read = await readJournal(path, (line) => {
    const decoded = decodeLayerRecord(line);
    return decoded.ok ? decoded.record : null;
  }, failure);
  // A crash mid-append tears only the last line; anything more means the file was edited.
  if (read.skipped > 0) log.warn('skipped unreadable layer log lines', { path, skipped: read.skipped });
  let state = read.records.reduce(applyRecord, emptyLayer);
  const journal = await openJournal<LayerRecord>({
    path,
    log,
    format: encodeLayerRecord,
    snapshot: () => recordsOf(state),
    failure,
    what: 'layer log',
    ...(options.slack === undefined ? {} : { slack: options.slack }),
  });
  return {
    state: () => state,
    async commit(record) {
      await journal.append(record);
      // Applied only once on disk, so state() never shows what a crash could take back. Journal batches resolve
      // in append order, so records apply in the order they were committed.
      state = applyRecord(state, record);
    },
    close: () => journal.close(),
  };
}
