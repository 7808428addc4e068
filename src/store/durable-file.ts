// A lowdb Adapter that replaces its JSON file atomically (write temp, fsync, POSIX rename(2), fsync folder) and keeps the previous version.
import type { Adapter } from 'lowdb';
import { copyFile, link, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorCode, ignoreMissing } from './fs-errors.js';
import { StoreError } from './store-error.js';

export interface RecoverInfo {
  /** The file the data was read from instead of the main one. */
  readonly from: string;
  /** Why the main file could not be used. */
  readonly reason: string;
}

export interface DurableJsonFileOptions {
  readonly onRecover?: (info: RecoverInfo) => void;
}

type Attempt<T> =
  | { readonly kind: 'ok'; readonly data: T }
  | { readonly kind: 'missing' }
  | { readonly kind: 'bad'; readonly reason: string };

export class DurableJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly previousPath: string;
  readonly #tempPath: string;
  readonly #previousTempPath: string;
  readonly #onRecover: ((info: RecoverInfo) => void) | undefined;
  /**
   * Only a main file known to be good may become the previous version: after recovering from a corrupt
   * main file, the good previous version must survive the next write.
   */
  #mainTrusted = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string, options: DurableJsonFileOptions = {}) {
    this.path = path;
    this.previousPath = `${path}.prev`;
    this.#tempPath = join(dirname(path), `.${basename(path)}.tmp`);
    this.#previousTempPath = join(dirname(path), `.${basename(path)}.prev.tmp`);
    this.#onRecover = options.onRecover;
  }

  /** null only when neither the file nor its previous version exists (a fresh folder). */
  async read(): Promise<T | null> {
    const main = await attempt<T>(this.path);
    if (main.kind === 'ok') {
      this.#mainTrusted = true;
      return main.data;
    }
    this.#mainTrusted = false;
    const previous = await attempt<T>(this.previousPath);
    if (main.kind === 'missing' && previous.kind === 'missing') return null;
    if (previous.kind === 'ok') {
      this.#onRecover?.({ from: this.previousPath, reason: describe(main) });
      return previous.data;
    }
    throw new StoreError(
      'STORE_CORRUPT',
      `${this.path} (${describe(main)}) and ${this.previousPath} (${describe(previous)}) are both unusable; ` +
        'refusing to start empty over them: restore one of them from a backup, or move both away to start afresh',
    );
  }

  /** Resolves once the new content is on disk under the main name. Calls are applied in order. */
  write(data: T): Promise<void> {
    const done = this.#writing.then(() => this.#replace(data));
    this.#writing = done.catch(() => undefined);
    return done;
  }

  async #replace(data: T): Promise<void> {
    // Owner only: the store holds CHAP and power secrets, password and session hashes.
    const handle = await open(this.#tempPath, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(data, null, 2) + '\n', 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (this.#mainTrusted) await this.#keepPrevious();
    await rename(this.#tempPath, this.path);
    this.#mainTrusted = true;
    await syncFolder(dirname(this.path));
  }

  // The main file is hard-linked under a temporary name, then renamed over .prev: main stays complete in place
  // and .prev is replaced atomically, so a crash at any instant leaves both files whole.
  async #keepPrevious(): Promise<void> {
    await unlink(this.#previousTempPath).catch(ignoreMissing);
    try {
      await link(this.path, this.#previousTempPath);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return;
      // Filesystems without hard links (vfat, exfat): a copy still leaves main intact throughout.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') await copyFile(this.path, this.#previousTempPath);
      else throw error;
    }
    await rename(this.#previousTempPath, this.previousPath);
  }
}

async function attempt<T>(path: string): Promise<Attempt<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    // EIO is a failing medium (an SD card): the content is what is broken, so recovering is right.
    if (code === 'EIO') return { kind: 'bad', reason: `read error (${code})` };
    // Anything else (EACCES, EISDIR, EMFILE) says nothing about the content; recovering would roll back good data.
    throw new StoreError('STORE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (text.trim() === '') return { kind: 'bad', reason: 'empty file' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { kind: 'bad', reason: `invalid JSON: ${(error as Error).message}` };
  }
  if (data === null || typeof data !== 'object') return { kind: 'bad', reason: 'not a JSON object' };
  return { kind: 'ok', data: data as T };
}

function describe(attempt: Attempt<unknown>): string {
  return attempt.kind === 'bad' ? attempt.reason : attempt.kind === 'missing' ? 'missing' : 'ok';
}

// The rename is only durable once the folder entry itself reaches the disk.
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
