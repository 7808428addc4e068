// `bramble nfs ls|roots|add|reset|rm`: NFS exports of golden roots and machines' layers (src/nfs/exports.ts).
import { parseArgs } from 'node:util';
import { withApi } from '../control/control-client.js';
import { normalizeMac } from '../net/mac.js';
import type { NfsExport } from '../store/schema.js';
import { failed } from './api-result.js';
import { actOnListed, sizeText } from './listed-item.js';
import { dataDirFrom } from './data-dir.js';
import { table, usage, type Output } from './output.js';

const USAGE = 'nfs ls [--json] | roots | add ROOT --allow IP|CIDR [--name LABEL] [--root-squash] | reset EXPORT | rm EXPORT';

type Listed = NfsExport & { readonly online: boolean; readonly layerBytes: number | null };

/** EXPORT is an export's path, its id, or the MAC of the machine whose layer it is. */
export function findExport(exports: readonly Listed[], ref: string): Listed | undefined {
  const mac = normalizeMac(ref);
  return exports.find((e) => e.path === ref || String(e.id) === ref || (mac !== null && e.machine === mac));
}

export async function nfsCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      allow: { type: 'string' },
      name: { type: 'string' },
      'root-squash': { type: 'boolean' },
    },
  });
  const [action, arg, ...extra] = positionals;
  const dataDir = dataDirFrom(values['data-dir'], env);
  if (extra.length > 0) return usage(io, USAGE);

  const change = (what: string, method: 'POST' | 'DELETE', tail: string) =>
    actOnListed<Listed>(dataDir, io, {
      list: '/api/v1/nfs/exports',
      find: (items) => findExport(items, arg!),
      missing: `bramble: no NFS export ${arg} (see bramble nfs ls)`,
      method,
      tail,
      done: (item) => `${item.path}: ${what}`,
    });

  switch (action) {
    case 'ls':
      if (arg !== undefined) return usage(io, USAGE);
      return withApi(dataDir, async (call) => {
        const res = await call('GET', '/api/v1/nfs/exports');
        if (failed(res, io)) return 1;
        const exports = res.body as Listed[];
        if (values.json) io.out(JSON.stringify(exports, null, 2));
        else if (exports.length === 0) io.out('no NFS exports yet: machines booting an nfs-root profile get one, or add one with bramble nfs add');
        else {
          const rows = exports.map((e) => [String(e.id), e.path, e.kind, e.machine ?? '', e.allow, e.kind === 'layer' ? sizeText(e.layerBytes) : '-', e.online ? 'yes' : 'no']);
          io.out(table([['ID', 'PATH', 'KIND', 'MACHINE', 'ALLOW', 'LAYER', 'SERVED'], ...rows]));
        }
        return 0;
      });
    case 'roots':
      if (arg !== undefined) return usage(io, USAGE);
      return withApi(dataDir, async (call) => {
        const res = await call('GET', '/api/v1/nfs/roots');
        if (failed(res, io)) return 1;
        const roots = res.body as string[];
        io.out(roots.length === 0 ? 'no golden roots yet: put a root file system in a folder of the NFS roots folder' : roots.join('\n'));
        return 0;
      });
    case 'add':
      if (arg === undefined || values.allow === undefined) return usage(io, USAGE);
      return withApi(dataDir, async (call) => {
        const body = { root: arg, allow: values.allow, ...(values.name === undefined ? {} : { label: values.name }), rootSquash: values['root-squash'] === true };
        const res = await call('POST', '/api/v1/nfs/exports', body);
        if (failed(res, io)) return 1;
        const made = res.body as NfsExport;
        io.out(`${made.path}: exported to ${made.allow} (${made.kind === 'shared' ? 'read-only' : 'its own writable layer'})`);
        return 0;
      });
    case 'reset':
      if (arg === undefined) return usage(io, USAGE);
      return change('reset to golden', 'POST', '/reset');
    case 'rm':
      if (arg === undefined) return usage(io, USAGE);
      return change('removed', 'DELETE', '');
    default:
      return usage(io, USAGE);
  }
}
