// Sender state machine tests (RFC 1350 §6, RFC 2347, RFC 7440): tables, rollover, windows, loss and backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  blockCount,
  blockLength,
  initialTransferState,
  retransmitDelay,
  stepTransfer,
  wireBlock,
} from '../../src/tftp/transfer.js';
import type { TransferConfig, TransferEvent, TransferState, TransferStep } from '../../src/tftp/transfer.js';
import { seededRandom } from '../support/seeded-random.js';

const base: TransferConfig = {
  size: 10 * 512 + 100,
  blksize: 512,
  windowsize: 1,
  oack: false,
  timeoutMs: 1000,
  maxTimeoutMs: 8000,
  retries: 5,
};
const cfg = (over: Partial<TransferConfig>): TransferConfig => ({ ...base, ...over });
const st = (phase: TransferState['phase'], acked: number, sent: number, attempt = 0): TransferState => ({
  phase,
  acked,
  sent,
  attempt,
});
const ack = (block: number): TransferEvent => ({ kind: 'ack', block });
const timeout: TransferEvent = { kind: 'timeout' };

/** Runs events from the initial state; returns every step. */
function run(config: TransferConfig, events: readonly TransferEvent[]): TransferStep[] {
  let state = initialTransferState;
  return events.map((event) => {
    const step = stepTransfer(config, state, event);
    state = step.state;
    return step;
  });
}

test('block arithmetic: a final short block always exists, empty for exact multiples and empty files', () => {
  assert.equal(blockCount(0, 512), 1);
  assert.equal(blockCount(511, 512), 1);
  assert.equal(blockCount(512, 512), 2);
  assert.equal(blockCount(1024, 512), 3);
  assert.equal(blockLength(cfg({ size: 1024 }), 3), 0);
  assert.equal(blockLength(cfg({ size: 1000 }), 2), 488);
  assert.equal(wireBlock(65535), 65535);
  assert.equal(wireBlock(65536), 0);
  assert.equal(wireBlock(65537), 1);
});

interface Row {
  readonly name: string;
  readonly config: TransferConfig;
  readonly state: TransferState;
  readonly event: TransferEvent;
  readonly expect: Partial<Omit<TransferStep, 'state'>> & { readonly state?: TransferState };
}

const rows: readonly Row[] = [
  {
    name: 'start without options: DATA 1 at once',
    config: base,
    state: initialTransferState,
    event: { kind: 'start' },
    expect: { send: { kind: 'data', first: 1, count: 1 }, timerMs: 1000, state: st('data', 0, 1) },
  },
  {
    name: 'start with options: OACK first',
    config: cfg({ oack: true, windowsize: 4 }),
    state: initialTransferState,
    event: { kind: 'start' },
    expect: { send: { kind: 'oack' }, timerMs: 1000, state: st('oack', 0, 0) },
  },
  {
    name: 'ACK 0 of the OACK opens the first window',
    config: cfg({ oack: true, windowsize: 4 }),
    state: st('oack', 0, 0),
    event: ack(0),
    expect: { send: { kind: 'data', first: 1, count: 4 }, state: st('data', 0, 4) },
  },
  {
    name: 'waiting for the OACK ACK, another block number is ignored',
    config: cfg({ oack: true }),
    state: st('oack', 0, 0),
    event: ack(3),
    expect: { send: null, ignored: 'unknown-ack', timerMs: null },
  },
  {
    name: 'a full window ACKed: the next window follows',
    config: cfg({ windowsize: 4 }),
    state: st('data', 0, 4),
    event: ack(4),
    expect: { send: { kind: 'data', first: 5, count: 4 }, timerMs: 1000, state: st('data', 4, 8) },
  },
  {
    name: 'the last window is shorter',
    config: cfg({ windowsize: 4 }),
    state: st('data', 4, 8),
    event: ack(8),
    expect: { send: { kind: 'data', first: 9, count: 3 }, state: st('data', 8, 11) },
  },
  {
    name: 'ACK of an older block in the window rewinds: the new window starts after it',
    config: cfg({ windowsize: 4 }),
    state: st('data', 4, 8),
    event: ack(6),
    expect: { send: { kind: 'data', first: 7, count: 4 }, state: st('data', 6, 10) },
  },
  {
    name: 'duplicate ACK is ignored, not answered (Sorcerer’s Apprentice)',
    config: base,
    state: st('data', 3, 4),
    event: ack(3),
    expect: { send: null, timerMs: null, ignored: 'duplicate-ack', state: st('data', 3, 4) },
  },
  {
    name: 'duplicate ACK with a window in flight is ignored too',
    config: cfg({ windowsize: 16 }),
    state: st('data', 16, 32),
    event: ack(16),
    expect: { send: null, ignored: 'duplicate-ack' },
  },
  {
    name: 'an ACK older than the window is ignored',
    config: cfg({ windowsize: 4 }),
    state: st('data', 8, 11),
    event: ack(2),
    expect: { send: null, ignored: 'unknown-ack' },
  },
  {
    name: 'an ACK beyond what was sent is ignored',
    config: cfg({ windowsize: 4 }),
    state: st('data', 4, 8),
    event: ack(9),
    expect: { send: null, ignored: 'unknown-ack' },
  },
  {
    name: 'ACK of the last block completes',
    config: base,
    state: st('data', 10, 11),
    event: ack(11),
    expect: { send: null, outcome: 'complete', state: st('done', 11, 11) },
  },
  {
    name: 'exact multiple: the empty block 3 must be ACKed too',
    config: cfg({ size: 1024 }),
    state: st('data', 1, 2),
    event: ack(2),
    expect: { send: { kind: 'data', first: 3, count: 1 }, outcome: null },
  },
  {
    name: 'rollover: after block 65535 comes wire block 0',
    config: cfg({ size: 512 * 70000, windowsize: 4 }),
    state: st('data', 65532, 65536),
    event: ack(0),
    expect: { send: { kind: 'data', first: 65537, count: 4 }, state: st('data', 65536, 65540) },
  },
  {
    name: 'rollover: a partial ACK across the wrap maps to the right block',
    config: cfg({ size: 512 * 70000, windowsize: 4 }),
    state: st('data', 65534, 65538),
    event: ack(65535),
    expect: { send: { kind: 'data', first: 65536, count: 4 }, state: st('data', 65535, 65539) },
  },
  {
    name: 'rollover: wire 0 again after the wrap is a duplicate',
    config: cfg({ size: 512 * 70000 }),
    state: st('data', 65536, 65537),
    event: ack(0),
    expect: { send: null, ignored: 'duplicate-ack' },
  },
  {
    name: 'timeout: the window is sent again from the first unACKed block, delay doubled',
    config: cfg({ windowsize: 4 }),
    state: st('data', 4, 8),
    event: timeout,
    expect: { send: { kind: 'data', first: 5, count: 4 }, timerMs: 2000, state: st('data', 4, 8, 1) },
  },
  {
    name: 'timeout in the OACK phase resends the OACK',
    config: cfg({ oack: true }),
    state: st('oack', 0, 0, 2),
    event: timeout,
    expect: { send: { kind: 'oack' }, timerMs: 8000, state: st('oack', 0, 0, 3) },
  },
  {
    name: 'timeout after the last retry gives up',
    config: base,
    state: st('data', 4, 5, 5),
    event: timeout,
    expect: { send: null, outcome: 'timeout' },
  },
  {
    name: 'progress after retries resets the delay',
    config: base,
    state: st('data', 4, 5, 3),
    event: ack(5),
    expect: { send: { kind: 'data', first: 6, count: 1 }, timerMs: 1000, state: st('data', 5, 6, 0) },
  },
  {
    name: 'EDK2: ERROR 8 in answer to the OACK is a normal probe',
    config: cfg({ oack: true }),
    state: st('oack', 0, 0),
    event: { kind: 'error', code: 8, message: 'User aborted the transfer' },
    expect: { outcome: 'aborted-after-oack', send: null },
  },
  {
    name: 'ERROR 0 in answer to the OACK is a normal probe',
    config: cfg({ oack: true }),
    state: st('oack', 0, 0),
    event: { kind: 'error', code: 0, message: '' },
    expect: { outcome: 'aborted-after-oack' },
  },
  {
    name: 'Raspberry Pi: first block, then "Early terminate"',
    config: cfg({ oack: true }),
    state: st('data', 0, 1),
    event: { kind: 'error', code: 0, message: 'Early terminate' },
    expect: { outcome: 'aborted-after-oack' },
  },
  {
    name: '"Early terminate" later in the file is still a probe',
    config: base,
    state: st('data', 7, 8),
    event: { kind: 'error', code: 0, message: 'early terminate' },
    expect: { outcome: 'aborted-after-oack' },
  },
  {
    name: 'a client error mid-transfer is an abort',
    config: base,
    state: st('data', 7, 8),
    event: { kind: 'error', code: 3, message: 'Disk full' },
    expect: { outcome: 'aborted' },
  },
  {
    name: 'ERROR 8 mid-transfer is an abort',
    config: base,
    state: st('data', 7, 8),
    event: { kind: 'error', code: 8, message: '' },
    expect: { outcome: 'aborted' },
  },
  {
    name: 'nothing happens after the end',
    config: base,
    state: st('done', 11, 11),
    event: ack(11),
    expect: { send: null, outcome: null, ignored: 'not-running' },
  },
  {
    name: 'a timer firing after the end is ignored',
    config: base,
    state: st('done', 3, 4),
    event: timeout,
    expect: { send: null, outcome: null, ignored: 'not-running' },
  },
];

for (const row of rows) {
  test(`step: ${row.name}`, () => {
    const step = stepTransfer(row.config, row.state, row.event);
    for (const [key, value] of Object.entries(row.expect)) {
      assert.deepEqual(step[key as keyof TransferStep], value, key);
    }
  });
}

test('backoff: 1 s doubling to the 8 s ceiling, then the transfer times out', () => {
  const steps = run(base, [{ kind: 'start' }, timeout, timeout, timeout, timeout, timeout, timeout]);
  assert.deepEqual(
    steps.map((s) => s.timerMs),
    [1000, 2000, 4000, 8000, 8000, 8000, null],
  );
  assert.deepEqual(
    steps.map((s) => (s.send?.kind === 'data' ? s.send.first : null)),
    [1, 1, 1, 1, 1, 1, null],
  );
  assert.equal(steps.at(-1)!.outcome, 'timeout');
  assert.equal(retransmitDelay(cfg({ timeoutMs: 255_000 }), 3), 255_000, 'a client-chosen long timeout is not doubled');
});

// ---------- whole transfers against a model RFC 7440 client over a lossy channel ----------

interface SimResult {
  readonly outcome: string | null;
  readonly received: number;
  readonly dataSent: number;
  readonly timeouts: number;
  readonly ignoredDuplicates: number;
  readonly wireSeen: Set<number>;
}

/**
 * The client takes in-order blocks, ACKs every `windowsize` blocks or at the end, ACKs the last good block once
 * when one is missing (RFC 7440 §4), and on its own timeout repeats its last ACK (a duplicate the server must
 * not answer). Packets are dropped with probability `loss` either way.
 */
function simulate(config: TransferConfig, loss: number, seed: number): SimResult {
  const random = seededRandom(seed);
  const lost = (): boolean => random() < loss;
  const client = { expected: 1, since: 0, received: 0, complained: false };
  let state = initialTransferState;
  let dataSent = 0;
  let timeouts = 0;
  let ignoredDuplicates = 0;
  const wireSeen = new Set<number>();
  const queue: TransferStep[] = [];
  const apply = (event: TransferEvent): void => {
    const step = stepTransfer(config, state, event);
    state = step.state;
    if (step.ignored === 'duplicate-ack') ignoredDuplicates++;
    queue.push(step);
  };
  apply({ kind: 'start' });
  for (let round = 0; round < 2_000_000; round++) {
    const step = queue.shift();
    if (step === undefined) {
      // Silence: the client repeats its last ACK, then the server's timer fires.
      if (!lost()) apply(ack(wireBlock(client.expected - 1)));
      timeouts++;
      apply(timeout);
      continue;
    }
    if (step.outcome !== null) return { outcome: step.outcome, received: client.received, dataSent, timeouts, ignoredDuplicates, wireSeen };
    if (step.send === null) continue;
    const acks: number[] = [];
    if (step.send.kind === 'oack') {
      if (!lost()) acks.push(0);
    } else {
      for (let i = 0; i < step.send.count; i++) {
        const block = step.send.first + i;
        dataSent++;
        if (lost()) continue;
        const wire = wireBlock(block);
        wireSeen.add(wire);
        const length = blockLength(config, block);
        if (wire === wireBlock(client.expected)) {
          client.expected++;
          client.received += length;
          client.since++;
          client.complained = false;
          if (client.since === config.windowsize || length < config.blksize) {
            acks.push(wireBlock(client.expected - 1));
            client.since = 0;
          }
        } else if (!client.complained) {
          acks.push(wireBlock(client.expected - 1));
          client.complained = true;
          client.since = 0;
        }
      }
    }
    for (const block of acks) if (!lost()) apply(ack(block));
  }
  return { outcome: null, received: client.received, dataSent, timeouts, ignoredDuplicates, wireSeen };
}

test('whole transfer, window 16, no loss: every block sent exactly once', () => {
  const config = cfg({ size: 1_000_000, blksize: 1468, windowsize: 16, oack: true });
  const result = simulate(config, 0, 1);
  assert.equal(result.outcome, 'complete');
  assert.equal(result.received, config.size);
  assert.equal(result.dataSent, blockCount(config.size, config.blksize));
  assert.equal(result.timeouts, 0);
});

test('rollover past 65535 with blksize 8 on a generated file: complete and byte-exact', () => {
  const config = cfg({ size: 8 * 70_000 + 3, blksize: 8, windowsize: 16, oack: true });
  const result = simulate(config, 0, 2);
  assert.equal(result.outcome, 'complete');
  assert.equal(result.received, config.size);
  assert.equal(result.dataSent, 70_001);
  assert.ok(result.wireSeen.has(65535) && result.wireSeen.has(0) && result.wireSeen.has(4464), 'wire numbers wrapped to 0');
});

test('rollover with window 1 and an exact multiple of blksize (empty last block)', () => {
  const config = cfg({ size: 8 * 65_536, blksize: 8, windowsize: 1, oack: true });
  const result = simulate(config, 0, 3);
  assert.equal(result.outcome, 'complete');
  assert.equal(result.received, config.size);
  assert.equal(result.dataSent, 65_537);
});

for (const [windowsize, loss, seed] of [
  [1, 0.05, 11],
  [4, 0.1, 12],
  [16, 0.1, 13],
  [16, 0.3, 14],
  [64, 0.05, 15],
] as const) {
  test(`lossy channel (${loss * 100}% each way), window ${windowsize}: completes byte-exact, duplicates never answered`, () => {
    const config = cfg({ size: 300_000, blksize: 512, windowsize, oack: true, retries: 1000 });
    const result = simulate(config, loss, seed);
    assert.equal(result.outcome, 'complete');
    assert.equal(result.received, config.size);
    assert.ok(result.timeouts > 0, 'some loss needed the retransmission timer');
    assert.ok(result.ignoredDuplicates > 0, 'the client repeated ACKs and they were ignored');
    const blocks = blockCount(config.size, config.blksize);
    // Resending the world would multiply this; windows lost cost at most about one window each.
    assert.ok(result.dataSent < blocks * (1 + 3 * loss * windowsize + 1), `${result.dataSent} sends for ${blocks} blocks`);
  });
}

test('a silent client: retransmissions with backoff, then timeout', () => {
  const config = cfg({ oack: true });
  const steps = run(config, [{ kind: 'start' }, ack(0), timeout, timeout, timeout, timeout, timeout, timeout]);
  assert.deepEqual(
    steps.map((s) => s.timerMs),
    [1000, 1000, 2000, 4000, 8000, 8000, 8000, null],
  );
  assert.equal(steps.at(-1)!.outcome, 'timeout');
  assert.equal(steps.at(-1)!.state.acked, 0);
});
