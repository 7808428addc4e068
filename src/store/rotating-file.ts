// An append-only text file rotated by size into numbered siblings (name, name.1 ... name.K, newest first), as logrotate numbers them.
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ignoreMissing } from './fs-errors.js';

export interface RotationOptions {
  /** A file is rotated before a line would take it past this size (a lone longer line still gets written). */
  readonly maxBytes: number;
  /** How many rotated files to keep besides the current one. */
  readonly keep: number;
}

export class RotatingFile {
  readonly path: string;
  readonly #options: RotationOptions;
  #handle: FileHandle | null;
  #size: number;

  private constructor(path: string, options: RotationOptions, handle: FileHandle, size: number) {
    this.path = path;
    this.#options = options;
    this.#handle = handle;
    this.#size = size;
  }

  static async open(path: string, options: RotationOptions): Promise<RotatingFile> {
    await pruneBeyond(path, options.keep);
    const handle = await open(path, 'a+');
    try {
      let { size } = await handle.stat();
      // A line torn by a crash must stay one bad line, not swallow the first line appended after it.
      if (size > 0 && !(await endsWithNewline(handle, size))) {
        await handle.appendFile('\n');
        size += 1;
      }
      return new RotatingFile(path, options, handle, size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The files of this log that exist, oldest first. */
  static async existing(path: string, keep: number): Promise<string[]> {
    const candidates = [...Array.from({ length: keep }, (_, i) => `${path}.${keep - i}`), path];
    const found: string[] = [];
    for (const candidate of candidates) {
      if (await isFile(candidate)) found.push(candidate);
    }
    return found;
  }

  /** Appends whole lines (each ending in a newline), rotating between lines as the size limit requires. */
  async append(lines: readonly string[]): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.#size + chunkBytes > 0 && this.#size + chunkBytes + bytes > this.#options.maxBytes) {
        await this.#write(chunk, chunkBytes);
        await this.#rotate();
        chunk = '';
        chunkBytes = 0;
      }
      chunk += line;
      chunkBytes += bytes;
    }
    await this.#write(chunk, chunkBytes);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  async #write(text: string, bytes: number): Promise<void> {
    if (bytes === 0) return;
    this.#handle ??= await open(this.path, 'a');
    await this.#handle.appendFile(text);
    this.#size += bytes;
  }

  async #rotate(): Promise<void> {
    await this.close();
    const { keep } = this.#options;
    for (let n = keep - 1; n >= 1; n--) await rename(`${this.path}.${n}`, `${this.path}.${n + 1}`).catch(ignoreMissing);
    if (keep >= 1) await rename(this.path, `${this.path}.1`);
    else await unlink(this.path).catch(ignoreMissing);
    this.#size = 0;
  }
}

/** Rotation overwrites the oldest it keeps; files numbered past `keep` are left only by a larger keep before. */
async function pruneBeyond(path: string, keep: number): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch((error: unknown) => {
    ignoreMissing(error);
    return [] as string[];
  });
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[1-9]\d*$/.test(name.slice(prefix.length))) continue;
    if (Number(name.slice(prefix.length)) > keep) await unlink(join(dirname(path), name)).catch(ignoreMissing);
  }
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    ignoreMissing(error);
    return false;
  }
}
