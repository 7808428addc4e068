// REST API v1 NFS exports: list them with their layer sizes, add, reset a layer to golden, remove (src/nfs/exports.ts).
import { Hono } from 'hono';
import { NfsExportError, type AddExport, type NfsExports } from '../nfs/exports.js';
import type { Store } from '../store/store.js';
import type { ApiEnv } from './guard.js';
import { jsonObject, problem } from './problem.js';

const STATUS = { INVALID: 400, NO_ROOT: 400, NOT_FOUND: 404, EXISTS: 409 } as const;

/** `nfs` is null when no server with NFS on is running: exports can then be listed, not changed. */
export function nfsRoutes(store: Store, nfs: NfsExports | null): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const offline = () => problem(503, 'NFS_OFF', 'NFS exports change only through a running server with NFS on (bramble serve --nfs on)');
  const failed = (error: unknown) => {
    if (error instanceof NfsExportError) return problem(STATUS[error.code], `NFS_${error.code}`, error.message, error.field);
    throw error;
  };
  const idOf = (text: string): number | null => (/^\d{1,10}$/.test(text) ? Number(text) : null);

  app.get('/exports', async (c) => {
    if (nfs === null) return c.json(store.read().nfsExports.map((e) => ({ ...e, online: false, layerBytes: null })));
    const out = [];
    for (const e of nfs.list()) out.push({ ...e, layerBytes: e.kind === 'layer' ? await nfs.layerBytes(e.id) : 0 });
    return c.json(out);
  });
  app.get('/roots', async (c) => (nfs === null ? offline() : c.json(await nfs.roots())));
  app.post('/exports', async (c) => {
    if (nfs === null) return offline();
    const input = await jsonObject(c.req.raw);
    if (input === null) return problem(400, 'BAD_REQUEST', 'expected a JSON object');
    try {
      return c.json(await nfs.add(input as unknown as AddExport), 201);
    } catch (error) {
      return failed(error);
    }
  });
  app.post('/exports/:id/reset', async (c) => {
    if (nfs === null) return offline();
    const id = idOf(c.req.param('id'));
    if (id === null) return problem(404, 'NFS_NOT_FOUND', `no export ${c.req.param('id')}`);
    try {
      return c.json(await nfs.reset(id));
    } catch (error) {
      return failed(error);
    }
  });
  app.delete('/exports/:id', async (c) => {
    if (nfs === null) return offline();
    const id = idOf(c.req.param('id'));
    if (id === null) return problem(404, 'NFS_NOT_FOUND', `no export ${c.req.param('id')}`);
    try {
      await nfs.remove(id);
      return c.json({ removed: id });
    } catch (error) {
      return failed(error);
    }
  });
  return app;
}
