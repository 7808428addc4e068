// Boot-event log: append-only JSON Lines files rotated by size, plus an in-memory per-machine ring refilled from them at open.
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../log/logger.js';
import { normalizeMac } from '../net/mac.js';
import { checkBootEvent, decodeBootEventLine, encodeBootEventLine, type BootEvent } from './boot-event.js';
import { BootEventRing } from './boot-event-ring.js';
import { RotatingFile } from './rotating-file.js';

export type { BootEvent, BootEventFields, BootStage } from './boot-event.js';
export { BOOT_STAGES } from './boot-event.js';

export interface BootEventLog {
  /** Buffered, never throws into the caller; invalid events are dropped and counted. Flushed soon and on close(). */
  append(event: BootEvent): void;
  /** Newest last. */
  recent(mac: string, limit?: number): readonly BootEvent[];
  /** Machines with events in memory, least recently active first. */
  macs(): readonly string[];
  close(): Promise<void>;
}

export interface BootEventLogOptions {
  /** Size at which boot-events.jsonl is rotated; default 1 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept (boot-events.jsonl.1 ... .keep); default 4. */
  readonly keep?: number;
  /** Events remembered per MAC; default 100. */
  readonly perMachine?: number;
  /** MACs remembered in memory; default 1024. */
  readonly maxMachines?: number;
  readonly log: Logger;
}

export const BOOT_EVENTS_FILE = 'boot-events.jsonl';

// Long enough to turn a burst of DHCP/TFTP events into one write, short enough to lose little in a crash.
const FLUSH_DELAY_MS = 200;

/** Opens (creating `dir` if missing) the log in `dir` and refills the per-machine ring from its files, oldest first. */
export async function openBootEventLog(dir: string, options: BootEventLogOptions): Promise<BootEventLog> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = options.keep ?? 4;
  const log = options.log;
  await mkdir(dir, { recursive: true });
  const path = join(dir, BOOT_EVENTS_FILE);
  const ring = new BootEventRing(options.perMachine ?? 100, options.maxMachines ?? 1024);
  let skipped = 0;
  for (const file of await RotatingFile.existing(path, keep)) skipped += await refill(ring, file);
  if (skipped > 0) log.debug('boot-event lines skipped while refilling', { file: path, skipped });
  const file = await RotatingFile.open(path, { maxBytes, keep });
  return new FileBootEventLog(file, ring, log);
}

/** Adds every good line of `path` to the ring; returns how many lines were not boot events. */
async function refill(ring: BootEventRing, path: string): Promise<number> {
  let skipped = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const checked = decodeBootEventLine(line);
    if (checked.ok) ring.add(checked.event);
    else skipped += 1;
  }
  return skipped;
}

class FileBootEventLog implements BootEventLog {
  readonly #file: RotatingFile;
  readonly #ring: BootEventRing;
  readonly #log: Logger;
  #pending: string[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #dropped = 0;

  constructor(file: RotatingFile, ring: BootEventRing, log: Logger) {
    this.#file = file;
    this.#ring = ring;
    this.#log = log;
  }

  append(event: BootEvent): void {
    try {
      if (this.#closing !== null) return this.#drop('log closed');
      const checked = checkBootEvent(event);
      if (!checked.ok) return this.#drop(checked.reason);
      this.#ring.add(checked.event);
      this.#pending.push(encodeBootEventLine(checked.event));
      this.#timer ??= setTimeout(() => {
        this.#timer = null;
        void this.#flush();
      }, FLUSH_DELAY_MS);
    } catch (error) {
      // Callers are packet handlers: a bad event must never become their exception.
      this.#drop(String(error));
    }
  }

  recent(mac: string, limit?: number): readonly BootEvent[] {
    const normal = normalizeMac(mac);
    return normal === null ? [] : this.#ring.recent(normal, limit);
  }

  macs(): readonly string[] {
    return this.#ring.macs();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      await this.#flush();
      await this.#file.close();
    })();
    return this.#closing;
  }

  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const lines = this.#pending.splice(0);
      if (lines.length === 0) return;
      try {
        await this.#file.append(lines);
      } catch (error) {
        this.#dropped += lines.length;
        this.#log.warn('boot events not written', { file: this.#file.path, count: lines.length, dropped: this.#dropped, error });
      }
    });
    return this.#flushing;
  }

  #drop(reason: string): void {
    this.#dropped += 1;
    this.#log.debug('boot event dropped', { reason, dropped: this.#dropped });
  }
}
