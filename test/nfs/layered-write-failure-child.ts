// Run by layered-write-failure.test.ts under a file size limit (prlimit --fsize): writes to a machine's layer that
// go past the limit fail with EFBIG after they were answered as pending, and prints what the view said of each
// step as one JSON line. Arguments: the golden folder and the layer folder (both made by the test).
import { silentLogger } from '../../src/log/logger.js';
import { openGoldenView } from '../../src/nfs/view/golden-view.js';
import { openLayeredView } from '../../src/nfs/view/layered-view.js';
import type { ViewResult } from '../../src/nfs/view/view.js';

const [golden, layer] = process.argv.slice(2);
if (golden === undefined || layer === undefined) throw new Error('usage: layered-write-failure-child.ts GOLDEN LAYER');

const view = await openLayeredView({ golden: await openGoldenView(golden), folder: layer, log: silentLogger() });
const keep = (): (() => void) => () => {};
const said = (r: ViewResult<unknown>): string => (r.ok ? (typeof r.value === 'object' && r.value !== null && 'pending' in r.value ? 'pending' : 'ok') : r.error);
const steps: Record<string, string> = {};

const id = await view.make(view.rootId, 'big', { type: 'reg', mode: 0o644, uid: 0, gid: 0 });
if (!id.ok) throw new Error(`make: ${id.error}`);
const past = Buffer.alloc(128 * 1024, 1);
steps.firstWrite = said(await view.write(id.value, 0n, past, 'unstable', keep));
steps.firstCommit = said(await view.commit(id.value));
steps.commitAgain = said(await view.commit(id.value));
steps.secondWrite = said(await view.write(id.value, 0n, past, 'unstable', keep));
await view.getattr(id.value); // waits for it to land (and fail)
steps.thirdWrite = said(await view.write(id.value, 0n, Buffer.from('fits'), 'unstable', keep));
steps.stableWrite = said(await view.write(id.value, 0n, past, 'file', keep));
await view.close();
process.stdout.write(`${JSON.stringify(steps)}\n`);
