// A live iSCSI target for tests: createIscsiServer on 127.0.0.1, port 0, serving raw image files made in a
// temporary directory and filled with a known pattern; everything is stopped and removed by the test's t.after.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { blockDevice } from '../../src/iscsi/block-device.js';
import { BufferPool } from '../../src/net/buffer-pool.js';
import { loadKernelRecordSend } from '../../src/rpc/kernel-record-send.js';
import type { Keepalive } from '../../src/iscsi/connection.js';
import type { Disk } from '../../src/iscsi/disk.js';
import type { ChapPolicy } from '../../src/iscsi/login.js';
import { BLOCK_SIZE, openRawDisk } from '../../src/iscsi/raw-disk.js';
import { createIscsiServer, ISCSI_IDLE_BUFFER_BYTES, type IscsiServer } from '../../src/iscsi/server.js';
import type { IscsiTarget, IscsiTargets } from '../../src/iscsi/targets.js';
import { RawInitiator, type LoginOptions } from './raw-initiator.js';

export const TARGET_NAME = 'iqn.2026-11.org.bramble.test:disk1';
export const INITIATOR_NAME = 'iqn.2026-11.org.bramble.test:initiator';

export interface TestTargetOptions {
  /** Image size; 4 MiB unless given. */
  readonly bytes?: number;
  /** More targets after TARGET_NAME, each on its own image with the same pattern. */
  readonly moreTargets?: readonly string[];
  /** CHAP every normal login to these targets must pass; none by default. */
  readonly chap?: ChapPolicy | null;
  readonly discoveryChap?: ChapPolicy | null;
  readonly keepalive?: Keepalive;
}

export interface TestTarget {
  readonly port: number;
  readonly server: IscsiServer;
  readonly targetName: string;
  /** The image of the first target, as a file the test may read to check what the server wrote. */
  readonly imagePath: string;
  readonly blocks: number;
  stop(): Promise<void>;
}

/** What block `lba` holds when the image is made: its LBA in the first 4 bytes, then bytes that depend on both. */
export function patternBlock(lba: number): Buffer {
  const out = Buffer.alloc(BLOCK_SIZE);
  out.writeUInt32BE(lba, 0);
  for (let i = 4; i < BLOCK_SIZE; i++) out[i] = (lba * 31 + i * 7 + (i >> 5)) & 0xff;
  return out;
}

export function patternBlocks(lba: number, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => patternBlock(lba + i)));
}

export async function startTestTarget(t: TestContext, options: TestTargetOptions = {}): Promise<TestTarget> {
  const bytes = options.bytes ?? 4 * 1024 * 1024;
  const blocks = Math.floor(bytes / BLOCK_SIZE);
  const dir = await mkdtemp(join(tmpdir(), 'bramble-iscsi-'));
  const disks: Disk[] = [];
  let server: IscsiServer | null = null;
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await server?.stop();
      for (const disk of disks) await disk.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    })());
  t.after(stop);

  const names = [TARGET_NAME, ...(options.moreTargets ?? [])];
  const image = patternBlocks(0, blocks);
  // Shared by the disks and the server, as main.ts shares it: read buffers go back to the pool once sent.
  const buffers = new BufferPool(ISCSI_IDLE_BUFFER_BYTES);
  const byName = new Map<string, IscsiTarget>();
  for (const [i, name] of names.entries()) {
    const path = join(dir, `disk${i}.img`);
    await writeFile(path, image);
    const disk = await openRawDisk(path, { buffers });
    disks.push(disk);
    byName.set(name, { name, device: blockDevice(disk, { serial: `BRAMBLETEST${i}`, naaId: 0x123456789abcn + BigInt(i), targetName: name }) });
  }
  const chap = options.chap ?? null;
  const targets: IscsiTargets = {
    find(targetName) {
      const target = byName.get(targetName);
      return target === undefined ? { ok: false, reason: 'NOT_FOUND' } : { ok: true, target, chap };
    },
    visible: () => names,
    discoveryChap: options.discoveryChap ?? null,
  };
  // Read as main.ts reads it: through a duplicate descriptor into a shared buffer, where the addon is built.
  const dup = loadKernelRecordSend().send?.hold;
  server = createIscsiServer({ address: '127.0.0.1', port: 0, targets, log: silentLogger(), buffers, ...(dup === undefined ? {} : { dup }), ...(options.keepalive === undefined ? {} : { keepalive: options.keepalive }) });
  const port = await server.start();
  return { port, server, targetName: TARGET_NAME, imagePath: join(dir, 'disk0.img'), blocks, stop };
}

/** A raw initiator connected to the target, closed by the test's t.after. */
export async function connectInitiator(t: TestContext, target: TestTarget): Promise<RawInitiator> {
  const initiator = await RawInitiator.connect(target.port);
  t.after(() => initiator.close());
  return initiator;
}

/** Connected and logged in to the first target (AuthMethod=None, then full feature phase); fails the test if not. */
export async function loggedIn(t: TestContext, target: TestTarget, options: Partial<LoginOptions> = {}): Promise<RawInitiator> {
  const initiator = await connectInitiator(t, target);
  const result = await initiator.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName, ...options });
  if (!result.ok) throw new Error(`login failed: class ${result.statusClass} detail ${result.statusDetail}`);
  return initiator;
}
