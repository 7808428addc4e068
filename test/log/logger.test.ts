import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, silentLogger, type LogLevel, type Logger } from '../../src/log/logger.js';

const fixed = () => new Date('2026-01-02T03:04:05.678Z');

function capture(level: LogLevel): { log: Logger; lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = createLogger({ level, write: (line) => lines.push(line), now: fixed });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const emitted: Readonly<Record<LogLevel, LogLevel[]>> = {
  debug: ['debug', 'info', 'warn', 'error'],
  info: ['info', 'warn', 'error'],
  warn: ['warn', 'error'],
  error: ['error'],
};

for (const min of levels) {
  test(`level ${min} writes ${emitted[min].join(', ')}`, () => {
    const { log, records } = capture(min);
    for (const level of levels) log[level](`a ${level} line`);
    assert.deepEqual(
      records().map((r) => r.level),
      emitted[min],
    );
    assert.deepEqual(
      records().map((r) => r.msg),
      emitted[min].map((l) => `a ${l} line`),
    );
  });
}

test('a record is one JSON line: time, level, msg, then fields', () => {
  const { log, lines } = capture('info');
  log.info('tftp transfer done', { path: 'undionly.kpxe', bytes: 70_000, ok: true, peer: null });
  assert.deepEqual(lines, ['{"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"tftp transfer done","path":"undionly.kpxe","bytes":70000,"ok":true,"peer":null}\n']);
});

test('newlines in messages and fields cannot split a record', () => {
  const { log, lines, records } = capture('info');
  log.warn('two\nlines', { name: 'evil\r\n{"level":"error"}' });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.indexOf('\n'), lines[0]!.length - 1);
  assert.deepEqual(records()[0], { time: '2026-01-02T03:04:05.678Z', level: 'warn', msg: 'two\nlines', name: 'evil\r\n{"level":"error"}' });
});

test('child loggers add their fields; nested children add up; call fields win', () => {
  const { log, records } = capture('debug');
  const dhcp = log.child({ service: 'dhcp', mac: 'aa' });
  const packet = dhcp.child({ xid: '0x1234', mac: 'bb' });
  packet.debug('offer', { mac: 'cc', yiaddr: '198.18.0.50' });
  dhcp.info('started');
  log.info('plain');
  assert.deepEqual(records(), [
    { time: '2026-01-02T03:04:05.678Z', level: 'debug', msg: 'offer', service: 'dhcp', mac: 'cc', xid: '0x1234', yiaddr: '198.18.0.50' },
    { time: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'started', service: 'dhcp', mac: 'aa' },
    { time: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'plain' },
  ]);
});

test('a child keeps its parent level', () => {
  const { log, lines } = capture('warn');
  log.child({ service: 'http' }).info('hidden');
  assert.deepEqual(lines, []);
});

test('fields cannot overwrite the record time, level or message', () => {
  const { log, records } = capture('info');
  log.child({ level: 'debug' }).error('disk full', { time: 'yesterday', msg: 'all good' });
  const [r] = records();
  assert.deepEqual([r!.time, r!.level, r!.msg], ['2026-01-02T03:04:05.678Z', 'error', 'disk full']);
});

class CodedError extends Error {
  readonly code = 'E_TEST';
}

test('Errors are written as name, message and code', () => {
  const { log, records } = capture('info');
  const withCause = new CodedError('outer', { cause: new Error('inner') });
  log.error('failed', { error: withCause, plain: new TypeError('bad type'), list: [new RangeError('r')] });
  assert.deepEqual(records()[0], {
    time: '2026-01-02T03:04:05.678Z',
    level: 'error',
    msg: 'failed',
    error: { name: 'Error', message: 'outer', code: 'E_TEST' },
    plain: { name: 'TypeError', message: 'bad type' },
    list: [{ name: 'RangeError', message: 'r' }],
  });
});

test('Buffers are written as hex and bigints as text', () => {
  const { log, records } = capture('info');
  log.info('bytes', { chaddr: Buffer.from([0x52, 0x54, 0, 0xab]), big: 2n ** 64n, nested: { b: Buffer.alloc(0) } });
  assert.deepEqual(records()[0], { time: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'bytes', chaddr: '525400ab', big: '18446744073709551616', nested: { b: '' } });
});

test('an object that only looks like a serialised Buffer is written as it is', () => {
  const { log, records } = capture('info');
  log.info('option', { option: { type: 'Buffer', code: 43 } });
  assert.deepEqual(records()[0]!.option, { type: 'Buffer', code: 43 });
});

test('fields that cannot be serialised do not make logging throw', () => {
  const { log, records } = capture('info');
  const loop: Record<string, unknown> = { name: 'loop' };
  loop.self = loop;
  assert.doesNotThrow(() => log.warn('circular', { loop }));
  const [r] = records();
  assert.deepEqual([r!.level, r!.msg], ['warn', 'circular']);
  assert.match(String(r!.logError), /could not be written/);
});

test('the clock defaults to now', () => {
  const lines: string[] = [];
  const before = Date.now();
  createLogger({ level: 'info', write: (l) => lines.push(l) }).info('x');
  const time = Date.parse((JSON.parse(lines[0]!) as { time: string }).time);
  assert.ok(time >= before - 60_000 && time <= Date.now() + 60_000);
});

test('silentLogger: every method exists and child returns a silent logger', () => {
  const silent = silentLogger();
  for (const level of levels) assert.equal(silent[level]('x', { a: 1 }), undefined);
  assert.equal(silent.child({ a: 1 }), silent);
});
