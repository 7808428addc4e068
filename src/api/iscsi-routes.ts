// REST API v1 iSCSI disks: list them with the space their overlays take, golden images, add, reset to golden,
// remove (src/iscsi/disks.ts). CHAP secrets (both directions) are never listed: a machine gets its own in its
// boot script only.
import { Hono } from 'hono';
import { IscsiDiskError, type AddDisk, type IscsiDisks } from '../iscsi/disks.js';
import type { IscsiDisk } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { ApiEnv } from './guard.js';
import { jsonObject, problem } from './problem.js';

// mkfs.ext4 refusing the folder (too small an image for it, say) is the caller's to fix: 400 with its words.
const STATUS = { INVALID: 400, NO_IMAGE: 400, NO_FOLDER: 400, MKFS_FAILED: 400, NOT_FOUND: 404, EXISTS: 409 } as const;

/** A disk as the API shows it: everything but the CHAP secrets (the initiator's and the target's). */
function shown(disk: IscsiDisk): Omit<IscsiDisk, 'chapSecret' | 'targetSecret'> {
  const { chapSecret: _secret, targetSecret: _targetSecret, ...rest } = disk;
  return rest;
}

/** `iscsi` is null when no server with iSCSI on is running: disks can then be listed, not changed. */
export function iscsiRoutes(store: Store, iscsi: IscsiDisks | null): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const offline = () => problem(503, 'ISCSI_OFF', 'iSCSI disks change only through a running server with iSCSI on (bramble serve --iscsi on)');
  const failed = (error: unknown) => {
    if (error instanceof IscsiDiskError) return problem(STATUS[error.code], `ISCSI_${error.code}`, error.message, error.field);
    throw error;
  };
  const idOf = (text: string): number | null => (/^\d{1,10}$/.test(text) ? Number(text) : null);

  app.get('/disks', async (c) => {
    if (iscsi === null) return c.json(store.read().iscsiDisks.map((d) => ({ ...shown(d), online: false, usedBytes: null })));
    const out = [];
    for (const d of iscsi.list()) out.push({ ...shown(d), online: d.online, usedBytes: await iscsi.usedBytes(d.id) });
    return c.json(out);
  });
  app.get('/images', async (c) => (iscsi === null ? offline() : c.json(await iscsi.images())));
  app.post('/images', async (c) => {
    if (iscsi === null) return offline();
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    try {
      return c.json(await iscsi.makeImage(input as { name: unknown; from: unknown; sizeBytes: unknown }), 201);
    } catch (error) {
      return failed(error);
    }
  });
  app.post('/disks', async (c) => {
    if (iscsi === null) return offline();
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    try {
      return c.json(shown(await iscsi.add(input as unknown as AddDisk)), 201);
    } catch (error) {
      return failed(error);
    }
  });
  app.post('/disks/:id/reset', async (c) => {
    if (iscsi === null) return offline();
    const id = idOf(c.req.param('id'));
    if (id === null) return problem(404, 'ISCSI_NOT_FOUND', `no disk ${c.req.param('id')}`);
    try {
      return c.json(shown(await iscsi.reset(id)));
    } catch (error) {
      return failed(error);
    }
  });
  app.delete('/disks/:id', async (c) => {
    if (iscsi === null) return offline();
    const id = idOf(c.req.param('id'));
    if (id === null) return problem(404, 'ISCSI_NOT_FOUND', `no disk ${c.req.param('id')}`);
    try {
      await iscsi.remove(id);
      return c.json({ removed: id });
    } catch (error) {
      return failed(error);
    }
  });
  return app;
}
