// The common ground of the whole-machine tests: a teardown, a work folder with a data folder, and a test LAN.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { sweepStaleNetns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { createTestLan, type TestLan } from '../support/test-lan.js';

export interface VmLab {
  readonly teardown: Teardown;
  readonly lan: TestLan;
  readonly workDir: string;
  readonly dataDir: string;
}

/** Everything is undone when the test ends; BRAMBLE_VM_KEEP=1 keeps the work folder (logs, data) for a look. */
export async function openVmLab(t: TestContext, label: string): Promise<VmLab> {
  const teardown = new Teardown();
  t.after(() => teardown.run());
  await sweepStaleNetns();
  const workDir = await mkdtemp(join(tmpdir(), `bramble-${label}-`));
  if (process.env.BRAMBLE_VM_KEEP === undefined) teardown.defer('remove work folder', () => rm(workDir, { recursive: true, force: true }));
  else t.diagnostic(`work folder kept: ${workDir}`);
  const dataDir = join(workDir, 'data');
  await mkdir(dataDir);
  const lan = await createTestLan();
  teardown.defer('delete namespaces', () => lan.destroy());
  return { teardown, lan, workDir, dataDir };
}
