// Bramble's store: lowdb over a DurableJsonFile in the data folder, migrated at open, updates serialised and group-committed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { Logger } from '../log/logger.js';
import { DurableJsonFile } from './durable-file.js';
import { migrate, type Migration, type StoredObject } from './migrations.js';
import { emptyStore, type StoreData } from './schema.js';
import { StoreError } from './store-error.js';

/** Deeply removes `readonly`, so that update() callbacks can edit a draft of the readonly StoreData. */
export type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

export interface Store {
  /** The current snapshot; deeply frozen, replaced (never changed) by update(). */
  read(): StoreData;
  /**
   * Runs `change` on a private draft and commits it. Calls run one at a time in call order, each seeing the
   * previous one's result; the promise resolves once the change is on disk. A change that throws commits
   * nothing and rejects with its error. `change` must be synchronous: edits made after an await are lost.
   */
  update<R>(change: (draft: Mutable<StoreData>) => R): Promise<R>;
  /** True when the main file was unusable and the store was opened from its previous version. */
  readonly recovered: boolean;
  /** Waits for queued updates; later update() calls reject with STORE_CLOSED. */
  close(): Promise<void>;
}

export const STORE_FILE = 'bramble.json';

export interface OpenStoreOptions {
  /** The migration steps to apply; the shipped list unless a test supplies its own. */
  readonly migrations?: readonly Migration[];
}

/**
 * Opens (creating the folder if missing) the store in `dataDir`. A fresh folder starts from emptyStore().
 * Migrated data is written back with the next update, so opening never rewrites the file by itself.
 */
export async function openStore(dataDir: string, log: Logger, options: OpenStoreOptions = {}): Promise<Store> {
  // The data folder holds secrets (the store's CHAP and power secrets, the NFS handle key): its owner's only.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, STORE_FILE);
  let recovered = false;
  const file = new DurableJsonFile<StoreData>(path, {
    onRecover: ({ from, reason }) => {
      recovered = true;
      log.warn('store file unusable, opened its previous version instead', { file: path, from, reason });
    },
  });
  const db = new Low<StoreData>(file, emptyStore());
  await db.read();
  const data = migrateStored(path, db.data, options.migrations);
  if (data.from !== data.to) log.info('store migrated', { file: path, from: data.from, to: data.to });
  return new LowStore(db, data.data, recovered);
}

function migrateStored(path: string, stored: StoreData, steps: readonly Migration[] | undefined) {
  try {
    const result = migrate(stored as unknown as StoredObject, steps);
    const data = result.data as unknown as StoreData;
    if (!hasStoreShape(data)) throw new StoreError('STORE_CORRUPT', 'the file is JSON but not a Bramble store');
    return { ...result, data };
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new StoreError(error.code, `${path}: ${error.message}`, { cause: error });
  }
}

function hasStoreShape(data: StoreData): boolean {
  return (
    typeof data.settings === 'object' &&
    data.settings !== null &&
    Array.isArray(data.profiles) &&
    Array.isArray(data.machines)
  );
}

interface Job {
  readonly change: (draft: Mutable<StoreData>) => unknown;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

class LowStore implements Store {
  readonly recovered: boolean;
  readonly #db: Low<StoreData>;
  #current: StoreData;
  #queue: Job[] = [];
  #draining = false;
  #idle: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(db: Low<StoreData>, data: StoreData, recovered: boolean) {
    this.#db = db;
    this.#current = deepFreeze(data);
    this.recovered = recovered;
  }

  read(): StoreData {
    return this.#current;
  }

  update<R>(change: (draft: Mutable<StoreData>) => R): Promise<R> {
    if (this.#closed) return Promise.reject(new StoreError('STORE_CLOSED', 'the store is closed'));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ change, resolve: resolve as (result: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        this.#idle = this.#drain();
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#idle;
  }

  // Changes queued while a write is on its way share the next write: one fsync for many updates (a DHCP
  // burst updating lastSeen) instead of one each, still applied strictly in call order.
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#commit(this.#queue.splice(0));
    } finally {
      this.#draining = false;
    }
  }

  async #commit(batch: readonly Job[]): Promise<void> {
    let state = this.#current;
    const applied: { readonly job: Job; readonly result: unknown }[] = [];
    for (const job of batch) {
      // Each change gets its own copy, so one that throws halfway leaves nothing behind.
      const draft = structuredClone(state) as Mutable<StoreData>;
      let result: unknown;
      try {
        result = job.change(draft);
      } catch (error) {
        job.reject(error);
        continue;
      }
      state = draft;
      applied.push({ job, result });
    }
    if (applied.length === 0) return;
    try {
      this.#db.data = state;
      await this.#db.write();
    } catch (error) {
      for (const { job } of applied) job.reject(error);
      return;
    }
    this.#current = deepFreeze(state);
    for (const { job, result } of applied) job.resolve(result);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
