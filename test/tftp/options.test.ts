// Negotiation table (RFC 2347 OACK, RFC 2348 blksize, RFC 2349 timeout/tsize, RFC 7440 windowsize).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MAX_WINDOW_BYTES, negotiate } from '../../src/tftp/options.js';
import type { NegotiationLimits } from '../../src/tftp/options.js';

const limits: NegotiationLimits = { maxBlksize: 65464, maxWindowsize: 64, maxWindowBytes: DEFAULT_MAX_WINDOW_BYTES };
const o = (text: string): Array<{ name: string; value: string }> => {
  const parts = text === '' ? [] : text.split(' ');
  const out: Array<{ name: string; value: string }> = [];
  for (let i = 0; i < parts.length; i += 2) out.push({ name: parts[i]!, value: parts[i + 1]! });
  return out;
};
const oackText = (oack: ReadonlyArray<{ name: string; value: string }>): string =>
  oack.map((x) => `${x.name} ${x.value}`).join(' ');

interface Row {
  readonly name: string;
  readonly request: string;
  readonly size?: number;
  readonly limits?: Partial<NegotiationLimits>;
  readonly blksize: number;
  readonly windowsize: number;
  readonly timeoutMs: number | null;
  readonly oack: string;
}

const rows: readonly Row[] = [
  { name: 'no options: plain RFC 1350, no OACK', request: '', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  {
    name: 'iPXE: blksize 1432 tsize 0',
    request: 'blksize 1432 tsize 0',
    size: 70123,
    blksize: 1432,
    windowsize: 1,
    timeoutMs: null,
    oack: 'blksize 1432 tsize 70123',
  },
  {
    name: 'EDK2: tsize blksize windowsize 4, in its order',
    request: 'tsize 0 blksize 1468 windowsize 4',
    size: 1048576,
    blksize: 1468,
    windowsize: 4,
    timeoutMs: null,
    oack: 'tsize 1048576 blksize 1468 windowsize 4',
  },
  {
    name: 'option names are case-insensitive and echoed in the client spelling',
    request: 'BLKSIZE 1024 TSize 0 WindowSize 8',
    size: 5,
    blksize: 1024,
    windowsize: 8,
    timeoutMs: null,
    oack: 'BLKSIZE 1024 TSize 5 WindowSize 8',
  },
  { name: 'blksize 8 is the smallest allowed', request: 'blksize 8', blksize: 8, windowsize: 1, timeoutMs: null, oack: 'blksize 8' },
  { name: 'blksize 7 is ignored', request: 'blksize 7', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'blksize 0 is ignored', request: 'blksize 0', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'blksize 65464 is the largest', request: 'blksize 65464', blksize: 65464, windowsize: 1, timeoutMs: null, oack: 'blksize 65464' },
  {
    name: 'blksize above 65464 is clamped, not refused',
    request: 'blksize 65535',
    blksize: 65464,
    windowsize: 1,
    timeoutMs: null,
    oack: 'blksize 65464',
  },
  {
    name: 'blksize clamped to the configured max',
    request: 'blksize 8192',
    limits: { maxBlksize: 1468 },
    blksize: 1468,
    windowsize: 1,
    timeoutMs: null,
    oack: 'blksize 1468',
  },
  { name: 'blksize "abc" is ignored', request: 'blksize abc', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'blksize "-512" is ignored', request: 'blksize -512', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'blksize "0x400" is ignored', request: 'blksize 0x400', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'blksize "1e3" is ignored', request: 'blksize 1e3', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'empty blksize is ignored', request: 'blksize ', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  {
    name: 'the first of duplicated options counts',
    request: 'blksize 1024 blksize 8192',
    blksize: 1024,
    windowsize: 1,
    timeoutMs: null,
    oack: 'blksize 1024',
  },
  { name: 'tsize 0 is answered with the real size', request: 'tsize 0', size: 33554432, blksize: 512, windowsize: 1, timeoutMs: null, oack: 'tsize 33554432' },
  {
    name: 'tsize of an empty file is left out (curl rejects "tsize 0"); the client reads one empty block',
    request: 'tsize 0 blksize 1024',
    size: 0,
    blksize: 1024,
    windowsize: 1,
    timeoutMs: null,
    oack: 'blksize 1024',
  },
  { name: 'tsize with a bogus value is ignored', request: 'tsize x', size: 9, blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'timeout 1 is accepted', request: 'timeout 1', blksize: 512, windowsize: 1, timeoutMs: 1000, oack: 'timeout 1' },
  { name: 'timeout 255 is accepted', request: 'timeout 255', blksize: 512, windowsize: 1, timeoutMs: 255000, oack: 'timeout 255' },
  { name: 'timeout 0 is ignored', request: 'timeout 0', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'timeout 256 is ignored', request: 'timeout 256', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'windowsize 1', request: 'windowsize 1', blksize: 512, windowsize: 1, timeoutMs: null, oack: 'windowsize 1' },
  { name: 'windowsize 0 is ignored', request: 'windowsize 0', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  { name: 'windowsize 65536 is ignored', request: 'windowsize 65536', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  {
    name: 'windowsize capped at the configured max',
    request: 'windowsize 65535',
    blksize: 512,
    windowsize: 64,
    timeoutMs: null,
    oack: 'windowsize 64',
  },
  {
    name: 'atftp blksize 1468 windowsize 16 fits the byte budget',
    request: 'blksize 1468 windowsize 16',
    blksize: 1468,
    windowsize: 16,
    timeoutMs: null,
    oack: 'blksize 1468 windowsize 16',
  },
  {
    name: 'blksize 8192 windowsize 16 is exactly 128 KiB',
    request: 'blksize 8192 windowsize 16',
    blksize: 8192,
    windowsize: 16,
    timeoutMs: null,
    oack: 'blksize 8192 windowsize 16',
  },
  {
    name: 'big blocks get a small window (fragments lost together), whatever the option order',
    request: 'windowsize 64 blksize 65464',
    blksize: 65464,
    windowsize: 2,
    timeoutMs: null,
    oack: 'windowsize 2 blksize 65464',
  },
  {
    name: 'the byte budget uses the clamped blksize',
    request: 'blksize 65464 windowsize 64',
    limits: { maxBlksize: 1468 },
    blksize: 1468,
    windowsize: 64,
    timeoutMs: null,
    oack: 'blksize 1468 windowsize 64',
  },
  {
    name: 'unknown options (multicast, rollover) are left out of the OACK',
    request: 'multicast , rollover 0 blksize 1024',
    blksize: 1024,
    windowsize: 1,
    timeoutMs: null,
    oack: 'blksize 1024',
  },
  { name: 'only unknown options: no OACK at all', request: 'utimeout 500', blksize: 512, windowsize: 1, timeoutMs: null, oack: '' },
  {
    name: 'curl: tsize blksize timeout',
    request: 'tsize 0 blksize 512 timeout 6',
    size: 100,
    blksize: 512,
    windowsize: 1,
    timeoutMs: 6000,
    oack: 'tsize 100 blksize 512 timeout 6',
  },
];

for (const row of rows) {
  test(`negotiate: ${row.name}`, () => {
    const result = negotiate(o(row.request), row.size ?? 1000, { ...limits, ...row.limits });
    assert.equal(result.blksize, row.blksize);
    assert.equal(result.windowsize, row.windowsize);
    assert.equal(result.timeoutMs, row.timeoutMs);
    assert.equal(oackText(result.oack), row.oack);
  });
}
