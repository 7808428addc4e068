// Store schema migrations: an ordered list of pure steps, each taking the stored JSON from version N to N+1.
import { StoreError } from './store-error.js';

/** The stored JSON as read from disk, before it is known to match the current StoreData. */
export type StoredObject = Readonly<Record<string, unknown>>;

/**
 * One step from version N to N+1. It must not modify its input, and need not set `version`:
 * the runner does, so a step cannot forget it.
 */
export type Migration = (data: StoredObject) => Record<string, unknown>;

export const FIRST_VERSION = 1;

/**
 * migrations[i] takes version FIRST_VERSION + i to FIRST_VERSION + i + 1, so targetVersion() must
 * equal SCHEMA_VERSION in schema.ts. Append only: a shipped step must never change.
 */
export const migrations: readonly Migration[] = [
  // 1 -> 2: accounts for the web page and the API (issue #3); machines gain optional fields only.
  (data) => ({ ...data, users: [], sessions: [], apiTokens: [] }),
  // 2 -> 3: NFS exports (issue #4); profiles gain an optional nfsRoot.
  (data) => ({ ...data, nfsExports: [] }),
  // 3 -> 4: iSCSI disks (issue #5).
  (data) => ({ ...data, iscsiDisks: [] }),
];

export interface Migrated {
  readonly data: StoredObject;
  readonly from: number;
  readonly to: number;
}

/** The schema version `steps` lead to. */
export function targetVersion(steps: readonly Migration[] = migrations): number {
  return FIRST_VERSION + steps.length;
}

export function migrate(data: StoredObject, steps: readonly Migration[] = migrations): Migrated {
  const to = targetVersion(steps);
  const from = data.version;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < FIRST_VERSION) {
    throw new StoreError('STORE_CORRUPT', `schema version ${JSON.stringify(from)} is not a Bramble store version`);
  }
  if (from > to) {
    throw new StoreError(
      'STORE_TOO_NEW',
      `the store has schema version ${from} but this Bramble knows versions up to ${to}: ` +
        'run a newer Bramble, or restore a backup made by this version',
    );
  }
  let current = data;
  for (let version = from; version < to; version++) {
    const step = steps[version - FIRST_VERSION]!;
    current = { ...step(current), version: version + 1 };
  }
  return { data: current, from, to };
}

