// The benchmarks' run order (scripts/bench/area.ts interleave): repetition by repetition, every setting, the
// contenders back to back; with `alternate`, in reverse order every second repetition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interleave } from '../../scripts/bench/area.js';

async function order(alternate: boolean): Promise<string[]> {
  const runs: string[] = [];
  const results = await interleave(
    3,
    ['read', 'write'] as const,
    ['bramble', 'peer'] as const,
    async (setting, who, rep) => {
      runs.push(`${rep} ${setting} ${who}`);
      if (who === 'peer' && rep === 2) throw new Error('peer crashed');
      return { value: rep, cpuSeconds: 0 };
    },
    () => {},
    alternate,
  );
  assert.deepEqual(results.get('read')?.bramble.map((s) => s.value), [1, 2, 3], 'samples stay in repetition order');
  assert.ok(Number.isNaN(results.get('write')?.peer[1]?.value), 'a run that throws is NaN');
  return runs;
}

test('contenders run back to back in the order given, every repetition', async () => {
  assert.deepEqual(await order(false), [
    '1 read bramble', '1 read peer', '1 write bramble', '1 write peer',
    '2 read bramble', '2 read peer', '2 write bramble', '2 write peer',
    '3 read bramble', '3 read peer', '3 write bramble', '3 write peer',
  ]);
});

test('alternating, every second repetition takes them in reverse', async () => {
  assert.deepEqual(await order(true), [
    '1 read bramble', '1 read peer', '1 write bramble', '1 write peer',
    '2 read peer', '2 read bramble', '2 write peer', '2 write bramble',
    '3 read bramble', '3 read peer', '3 write bramble', '3 write peer',
  ]);
});
