import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log/logger.js';
import type { StoreData } from '../../src/store/schema.js';
import { openStore } from '../../src/store/store.js';
import { payloadSeq } from './support/crash-payload.js';
import { buildPlainEsm } from './support/plain-esm-build.js';
import { tempDir } from './support/temp-dir.js';

const writerSource = fileURLToPath(new URL('./support/crash-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const KILLS = 30;
/** Writers started ahead, so that Node's start-up overlaps the previous round. */
const AHEAD = 2;

interface Writer {
  readonly child: ChildProcess;
  /** Lets the writer open the store and start writing. */
  readonly go: () => void;
  /** Resolves at the first durable update; rejects if the child ends before one. */
  readonly started: Promise<void>;
  /** Resolves once the child is gone and its output fully read. */
  readonly ended: Promise<{ readonly signal: NodeJS.Signals | null; readonly acked: number }>;
}

function startWriter(writer: string, dir: string): Writer {
  const child = spawn(process.execPath, [writer, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let acked = 0;
  let partial = '';
  let stderr = '';
  let onAck: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onAck = resolve));
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) acked = Number(line);
    if (acked > 0) onAck();
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const ended = new Promise<{ signal: NodeJS.Signals | null; acked: number }>((resolve) =>
    child.on('close', (_code, signal) => resolve({ signal, acked })),
  );
  const died = ended.then(({ signal }) => {
    throw new Error(`writer ended (${signal ?? 'exit'}) before its first update: ${stderr}`);
  });
  const go = (): void => void child.stdin!.write('go\n');
  const startedOrDied = Promise.race([started, died]);
  // Writers still waiting when a round fails are killed by t.after: their rejection is expected, not unhandled.
  startedOrDied.catch(() => undefined);
  return { child, go, started: startedOrDied, ended };
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

test(`SIGKILL in the middle of writes never corrupts the store (${KILLS} kills)`, { timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const writer = await buildPlainEsm(writerSource, repoRoot, await tempDir(t));
  const main = join(dir, 'bramble.json');
  const live = new Set<ChildProcess>();
  t.after(() => {
    for (const child of live) child.kill('SIGKILL');
  });

  const waiting: Writer[] = [];
  let spawned = 0;
  let storeSeq = 0;
  let duringWrite = 0;
  for (let round = 1; round <= KILLS; round++) {
    for (; waiting.length < AHEAD && spawned < KILLS; spawned++) {
      const next = startWriter(writer, dir);
      live.add(next.child);
      waiting.push(next);
    }
    const w = waiting.shift()!;
    w.go();
    await w.started;
    // Writes take most of the child's time, so a random moment is usually inside one.
    await sleep(Math.floor(Math.random() * 40));
    w.child.kill('SIGKILL');
    const { signal, acked } = await w.ended;
    live.delete(w.child);
    assert.equal(signal, 'SIGKILL', `round ${round}: the writer must not have ended by itself`);
    if (await exists(join(dir, '.bramble.json.tmp'))) duringWrite += 1;

    const store = await openStore(dir, silentLogger());
    try {
      assert.equal(store.recovered, false, `round ${round}: a killed writer must leave a complete bramble.json`);
      const seq = payloadSeq(store.read());
      assert.ok(seq >= acked, `round ${round}: update ${acked} resolved but the store holds ${seq}`);
      assert.ok(seq <= acked + 1, `round ${round}: store holds ${seq}, more than one past the last resolved ${acked}`);
      assert.ok(seq > storeSeq, `round ${round}: store went from ${storeSeq} to ${seq}`);
      // A kill between replacing .prev and replacing main leaves both on the same version.
      if (seq >= 2 || (await exists(`${main}.prev`))) {
        const prev = payloadSeq(JSON.parse(await readFile(`${main}.prev`, 'utf8')) as StoreData);
        assert.ok(prev === seq - 1 || prev === seq, `round ${round}: .prev holds ${prev} beside ${seq}`);
      }
      storeSeq = seq;
    } finally {
      await store.close();
    }
  }
  t.diagnostic(`${KILLS} kills, ${duringWrite} of them while the temp file was being written; store reached update ${storeSeq}`);
  assert.ok(duringWrite > 0, 'no kill landed during a write: the test did not test anything');
});
