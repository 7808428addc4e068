// Child process of the crash test: on a line on stdin, loops big store updates, printing each sequence number once update() resolved.
import { silentLogger } from '../../../src/log/logger.js';
import { openStore } from '../../../src/store/store.js';
import { payloadSeq, writePayload } from './crash-payload.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-writer.ts DATA_DIR');
// Started ahead of its turn so that loading TypeScript overlaps the previous round; the store is not touched until then.
await new Promise((resolve) => process.stdin.once('data', resolve));
const store = await openStore(dir, silentLogger());
let seq = payloadSeq(store.read());
for (;;) {
  seq += 1;
  const next = seq;
  await store.update((draft) => writePayload(draft, next));
  process.stdout.write(`${next}\n`);
}
