// Bramble's iSCSI disks: golden images in <images>/<name>.img, and per machine a copy-on-write disk over one
// (<data>/iscsi/disks/<id>/), kept in the store and served as a target of its own, with its own CHAP secret,
// to its machine's address only. The targets the iSCSI server asks about (targets.ts) are these.
import { randomBytes, randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open as openFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SanDisk } from '../boot/ipxe-script.js';
import type { Logger } from '../log/logger.js';
import { mayUse } from '../nfs/export-access.js';
import { allowText, checkName, machineLabel, parseAllow, type Checked } from '../nfs/export-input.js';
import type { Store } from '../store/store.js';
import type { IscsiDisk } from '../store/schema.js';
import { blockDevice, type BlockDevice } from './block-device.js';
import type { BufferPool } from '../net/buffer-pool.js';
import { createCowDisk, goldenIdentity, openCowDisk, type CowDisk } from './cow-disk.js';
import { IscsiDiskError } from './disk-error.js';
import { makeGoldenImage } from './golden-image.js';
import { openRawDisk } from './raw-disk.js';
import type { Disk } from './disk.js';
import type { TargetLookup } from './login.js';
import type { IscsiTarget, IscsiTargets } from './targets.js';

export { IscsiDiskError } from './disk-error.js';

/** Target names: this naming authority (RFC 7143 §4.2.7.2 iqn. format), then the disk's label. */
export const IQN_PREFIX = 'iqn.2026-11.org.bramble';

export interface IscsiDisksOptions {
  readonly store: Store;
  readonly dataDir: string;
  /** Golden images, one <name>.img each. */
  readonly imagesDir: string;
  readonly log: Logger;
  /** Sessions of a target are ended before its disk is reset or removed. */
  readonly endSessions: (iqn: string) => void;
  /** Where the disks' read buffers come from (the target gives them back once sent); none: new ones each read. */
  readonly buffers?: BufferPool;
}

export interface AddDisk {
  /** The golden image of a copy-on-write disk; absent with `raw`. */
  readonly image?: unknown;
  readonly label: unknown;
  readonly allow: unknown;
  /** A raw disk, every block its own: with `image` a copy of it, else `sizeBytes` of zeros (a scratch or data disk). */
  readonly raw?: unknown;
  readonly sizeBytes?: unknown;
}

/** Raw disks: at least 1 MiB, at most 64 TiB (sparse: only what is written takes space). */
const MIN_RAW_BYTES = 1024 * 1024;
const MAX_RAW_BYTES = 64 * 1024 ** 4;

export interface IscsiDisks extends IscsiTargets {
  readonly imagesDir: string;
  /** Opens every stored disk; one whose image is missing or changed is logged and left offline. */
  open(): Promise<void>;
  list(): readonly (IscsiDisk & { readonly online: boolean })[];
  /** Golden image names (files <name>.img of the images folder). */
  images(): Promise<string[]>;
  /** A new golden image: an ext4 file system of `sizeBytes` filled from the folder `from` (golden-image.ts). */
  makeImage(input: { readonly name: unknown; readonly from: unknown; readonly sizeBytes: unknown }): Promise<{ readonly name: string; readonly label: string }>;
  add(input: AddDisk): Promise<IscsiDisk>;
  /** A machine's own disk over `image`, made on its first boot; its address kept current. */
  forMachine(mac: string, address: string, image: string): Promise<IscsiDisk>;
  /** Back to the golden image: the overlay is thrown away (its sessions ended first). */
  reset(id: number): Promise<IscsiDisk>;
  remove(id: number): Promise<void>;
  /** Bytes the disk's overlay takes on disk. */
  usedBytes(id: number): Promise<number>;
  close(): Promise<void>;
}

/** The initiator name a machine is given in its boot script (iPXE's initiator-iqn, the initramfs's iscsi_initiator). */
export function initiatorIqnFor(mac: string): string {
  return `${IQN_PREFIX}.initiator:${machineLabel(mac)}`;
}

/**
 * Kernel arguments that put a machine's root on its iSCSI disk: Debian's initramfs (open-iscsi's local-top
 * script reads iscsi_*) and dracut (netroot=iscsi:..., rd.iscsi.initiator) both find the target and the CHAP
 * they need. The profile's own command line names the root file system (root=LABEL=...).
 */
export function iscsiRootArgs(san: SanDisk): string[] {
  // The target's credentials make both initramfs check the target in turn (mutual CHAP): Debian's through
  // iscsi_in_*, dracut's as the second user:secret pair of netroot=.
  const mutual = san.targetUser !== undefined && san.targetSecret !== undefined;
  return [
    'ip=dhcp',
    `iscsi_initiator=${san.initiatorIqn}`,
    `iscsi_target_name=${san.iqn}`,
    `iscsi_target_ip=${san.server}`,
    `iscsi_target_port=${san.port}`,
    `iscsi_username=${san.chapUser}`,
    `iscsi_password=${san.chapSecret}`,
    ...(mutual ? [`iscsi_in_username=${san.targetUser}`, `iscsi_in_password=${san.targetSecret}`] : []),
    `rd.iscsi.initiator=${san.initiatorIqn}`,
    `netroot=iscsi:${san.chapUser}:${san.chapSecret}${mutual ? `:${san.targetUser}:${san.targetSecret}` : ''}@${san.server}::${san.port}:0:${san.iqn}`,
  ];
}

/** CHAP secrets: 16 characters from 12 random bytes (RFC 7143 §12.1.3 asks for at least 96 bits). */
const newSecret = (): string => randomBytes(12).toString('base64url');

/**
 * The target's side of mutual CHAP: a name of its own (no ':', which dracut's netroot= uses as a separator) and
 * a secret that is never the initiator's (RFC 7143 §12.1.3: one secret per direction).
 */
export function targetChap(label: string, initiatorSecret: string, fresh: () => string = newSecret): { readonly targetUser: string; readonly targetSecret: string } {
  let targetSecret = fresh();
  while (targetSecret === initiatorSecret) targetSecret = fresh();
  return { targetUser: `${label}.target`, targetSecret };
}

export function createIscsiDisks(options: IscsiDisksOptions): IscsiDisks {
  const { store, log } = options;
  const open = new Map<number, { readonly disk: Disk; readonly device: BlockDevice }>();
  const folder = (id: number): string => join(options.dataDir, 'iscsi', 'disks', String(id));
  const paths = (id: number) => ({ map: join(folder(id), 'map'), data: join(folder(id), 'data') });
  const rawPath = (id: number): string => join(folder(id), 'disk.img');
  const imagePath = (image: string): string => join(options.imagesDir, `${image}.img`);
  const stored = (id: number): IscsiDisk | undefined => store.read().iscsiDisks.find((d) => d.id === id);
  const byIqn = (iqn: string): IscsiDisk | undefined => store.read().iscsiDisks.find((d) => d.iqn === iqn);
  const imageExists = async (image: string): Promise<boolean> => (await stat(imagePath(image)).catch(() => null))?.isFile() === true;

  const serve = async (d: IscsiDisk): Promise<void> => {
    const disk: Disk | CowDisk = d.kind === 'raw' ? await openRawDisk(rawPath(d.id), { buffers: options.buffers }) : await openCowDisk(paths(d.id), imagePath(d.image ?? ''), { buffers: options.buffers });
    const device = blockDevice(disk, { serial: `BRAMBLE${String(d.id).padStart(10, '0')}`, naaId: BigInt(d.id), targetName: d.iqn });
    open.set(d.id, { disk, device });
  };
  const unserve = async (id: number): Promise<void> => {
    const current = open.get(id);
    open.delete(id);
    await current?.disk.close();
  };
  const makeOverlay = async (d: IscsiDisk, copyOf?: string): Promise<void> => {
    await mkdir(folder(d.id), { recursive: true });
    if (d.kind === 'raw' && copyOf !== undefined) {
      await copyFile(copyOf, rawPath(d.id), constants.COPYFILE_EXCL);
      return;
    }
    if (d.kind === 'raw') {
      // Sparse: the disk is made in an instant and takes space only as it is written.
      const file = await openFile(rawPath(d.id), 'wx');
      try {
        await file.truncate(d.sizeBytes);
        await file.sync();
      } finally {
        await file.close();
      }
      return;
    }
    await createCowDisk(paths(d.id), await goldenIdentity(imagePath(d.image ?? '')), d.sizeBytes);
  };

  const fail = (checked: Checked<unknown> & { ok: false }): never => {
    throw new IscsiDiskError('INVALID', checked.field, `${checked.field}: ${checked.error}`);
  };

  const insert = async (
    fields: { readonly label: string; readonly allow: string; readonly machine?: string } & ({ readonly image: string } | { readonly rawBytes: number; readonly copyOf?: string }),
  ): Promise<IscsiDisk> => {
    // iSCSI names are lower case, with no underscore (RFC 3722's stringprep profile).
    const iqn = `${IQN_PREFIX}:${fields.label.toLowerCase().replace(/_/g, '-')}`;
    const size = 'rawBytes' in fields ? fields.rawBytes : (await stat(imagePath(fields.image))).size;
    const chapSecret = newSecret();
    const made = await store.update((draft) => {
      if (draft.iscsiDisks.some((d) => d.iqn === iqn)) return null;
      // Random, not max+1: a removed disk's folder name must not come back for another machine.
      let id = randomInt(1, 2 ** 31);
      while (draft.iscsiDisks.some((d) => d.id === id)) id = randomInt(1, 2 ** 31);
      const disk: IscsiDisk = {
        id,
        iqn,
        ...('rawBytes' in fields ? { kind: 'raw' as const } : { image: fields.image }),
        ...(fields.machine === undefined ? {} : { machine: fields.machine }),
        allow: fields.allow,
        chapUser: fields.label,
        chapSecret,
        ...targetChap(fields.label, chapSecret),
        sizeBytes: size,
        createdAt: new Date().toISOString(),
      };
      draft.iscsiDisks.push({ ...disk });
      return disk;
    });
    if (made === null) throw new IscsiDiskError('EXISTS', 'label', `disk ${iqn} already exists`);
    await makeOverlay(made, 'copyOf' in fields ? fields.copyOf : undefined);
    await serve(made);
    log.info('iscsi disk added', { iqn: made.iqn, image: made.image ?? '(raw)', bytes: made.sizeBytes, allow: made.allow });
    return made;
  };

  const find = (targetName: string, _initiatorName: string, address: string): TargetLookup<IscsiTarget> => {
    const d = byIqn(targetName);
    const served = d === undefined ? undefined : open.get(d.id);
    if (d === undefined || served === undefined) return { ok: false, reason: 'NOT_FOUND' };
    const allow = parseAllow(d.allow);
    if (!allow.ok || !mayUse({ allow: allow.value, rootSquash: false, readOnly: false }, address)) return { ok: false, reason: 'NOT_ALLOWED' };
    const target = d.targetUser === undefined || d.targetSecret === undefined ? {} : { target: { user: d.targetUser, secret: d.targetSecret } };
    return { ok: true, target: { name: d.iqn, device: served.device }, chap: { initiator: { user: d.chapUser, secret: d.chapSecret }, ...target } };
  };

  return {
    imagesDir: options.imagesDir,
    discoveryChap: null,
    find,
    visible: (initiatorName, address) => store.read().iscsiDisks.filter((d) => find(d.iqn, initiatorName, address).ok).map((d) => d.iqn),
    async open() {
      await mkdir(options.imagesDir, { recursive: true });
      if (store.read().iscsiDisks.some((d) => d.targetSecret === undefined)) {
        await store.update((draft) => {
          for (const d of draft.iscsiDisks) if (d.targetSecret === undefined) Object.assign(d, targetChap(d.chapUser, d.chapSecret));
        });
      }
      for (const d of store.read().iscsiDisks) {
        try {
          await serve(d);
        } catch (error) {
          log.error('iscsi disk not served: its overlay or golden image cannot be opened', { iqn: d.iqn, image: d.image, error });
        }
      }
    },
    list: () => store.read().iscsiDisks.map((d) => ({ ...d, online: open.has(d.id) })),
    async images() {
      const entries = await readdir(options.imagesDir, { withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && e.name.endsWith('.img'))
        .map((e) => e.name.slice(0, -4))
        .sort();
    },
    async makeImage(input) {
      const name = checkName('name', input.name);
      if (!name.ok) fail(name);
      if (typeof input.from !== 'string') throw new IscsiDiskError('INVALID', 'from', 'from: must be a folder path on the appliance');
      if (typeof input.sizeBytes !== 'number') throw new IscsiDiskError('INVALID', 'sizeBytes', 'sizeBytes: must be a number of bytes');
      const imageName = (name as { value: string }).value;
      const made = await makeGoldenImage({ imagesDir: options.imagesDir, name: imageName, from: input.from, sizeBytes: input.sizeBytes });
      log.info('iscsi golden image made', { image: imageName, from: input.from, bytes: input.sizeBytes });
      return { name: imageName, label: made.label };
    },
    async add(input) {
      const label = checkName('label', input.label);
      if (!label.ok) fail(label);
      const allow = parseAllow(input.allow);
      if (!allow.ok) fail(allow);
      const common = { label: (label as { value: string }).value, allow: allowText((allow as { value: Parameters<typeof allowText>[0] }).value) };
      if (input.raw === true && input.image !== undefined) {
        // A raw disk holding a copy of an image: every block its own from the start.
        const image = checkName('image', input.image);
        if (!image.ok) fail(image);
        const imageName = (image as { value: string }).value;
        if (!(await imageExists(imageName))) throw new IscsiDiskError('NO_IMAGE', 'image', `image: no image ${imagePath(imageName)}`);
        return insert({ ...common, rawBytes: (await stat(imagePath(imageName))).size, copyOf: imagePath(imageName) });
      }
      if (input.raw === true) {
        const bytes = input.sizeBytes;
        if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < MIN_RAW_BYTES || bytes > MAX_RAW_BYTES || bytes % 512 !== 0) {
          throw new IscsiDiskError('INVALID', 'sizeBytes', `sizeBytes: a raw disk needs a size in whole 512-byte blocks, ${MIN_RAW_BYTES} to ${MAX_RAW_BYTES} bytes`);
        }
        return insert({ ...common, rawBytes: bytes });
      }
      const image = checkName('image', input.image);
      if (!image.ok) fail(image);
      const imageName = (image as { value: string }).value;
      if (!(await imageExists(imageName))) throw new IscsiDiskError('NO_IMAGE', 'image', `image: no golden image ${imagePath(imageName)}`);
      return insert({ ...common, image: imageName });
    },
    async forMachine(mac, address, image) {
      const label = machineLabel(mac);
      const existing = store.read().iscsiDisks.find((d) => d.machine === mac && d.image === image);
      if (existing === undefined) {
        if (!(await imageExists(image))) throw new IscsiDiskError('NO_IMAGE', 'iscsiImage', `no golden image ${imagePath(image)}`);
        try {
          return await insert({ label: `${label}.${image}`, image, allow: address, machine: mac });
        } catch (error) {
          // Two boot requests of one machine at once (a firmware retrying): the other one made it.
          const made = store.read().iscsiDisks.find((d) => d.machine === mac && d.image === image);
          if (error instanceof IscsiDiskError && error.code === 'EXISTS' && made !== undefined) return made;
          throw error;
        }
      }
      if (existing.allow === address) return existing;
      // The machine got another address since: follow it, or its own disk would refuse it.
      return store.update((draft) => {
        const d = draft.iscsiDisks.find((x) => x.id === existing.id)!;
        d.allow = address;
        return { ...d } as IscsiDisk;
      });
    },
    async reset(id) {
      const d = stored(id);
      if (d === undefined) throw new IscsiDiskError('NOT_FOUND', 'id', `no disk ${id}`);
      if (d.kind === 'raw') throw new IscsiDiskError('INVALID', 'id', `${d.iqn} is a raw disk: there is no golden image to go back to (remove it instead)`);
      options.endSessions(d.iqn);
      await unserve(id);
      await rm(folder(id), { recursive: true, force: true });
      const updated = await store.update((draft) => {
        const x = draft.iscsiDisks.find((e) => e.id === id)!;
        x.resetAt = new Date().toISOString();
        return { ...x } as IscsiDisk;
      });
      await makeOverlay(updated);
      await serve(updated);
      log.info('iscsi disk reset to golden', { iqn: updated.iqn });
      return updated;
    },
    async remove(id) {
      const d = stored(id);
      if (d === undefined) throw new IscsiDiskError('NOT_FOUND', 'id', `no disk ${id}`);
      options.endSessions(d.iqn);
      await unserve(id);
      await store.update((draft) => {
        draft.iscsiDisks = draft.iscsiDisks.filter((e) => e.id !== id);
      });
      await rm(folder(id), { recursive: true, force: true });
      log.info('iscsi disk removed', { iqn: d.iqn });
    },
    async usedBytes(id) {
      let total = 0;
      for (const path of [...Object.values(paths(id)), rawPath(id)]) total += ((await stat(path).catch(() => null))?.blocks ?? 0) * 512;
      return total;
    },
    async close() {
      for (const id of [...open.keys()]) await unserve(id);
    },
  };
}
