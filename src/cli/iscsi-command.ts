// `bramble iscsi ls|images|add|reset|rm`: machines' copy-on-write iSCSI disks over golden images (src/iscsi/disks.ts).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withApi } from '../control/control-client.js';
import { normalizeMac } from '../net/mac.js';
import type { IscsiDisk } from '../store/schema.js';
import { failed } from './api-result.js';
import { actOnListed, sizeText } from './listed-item.js';
import { dataDirFrom } from './data-dir.js';
import { table, usage, type Output } from './output.js';

const USAGE =
  'iscsi ls [--json] | images | image NAME --from DIR --size SIZE | add (IMAGE | --raw IMAGE | --raw --size SIZE) --name LABEL --allow IP|CIDR | reset DISK | rm DISK (DISK: IQN, label, id or MAC)';

/** "2G", "512M", "64MiB", "1073741824": bytes, or null. */
export function parseSize(text: string): number | null {
  const m = /^(\d+)\s*([KMGT]?)(i?B)?$/i.exec(text.trim());
  if (m === null) return null;
  const power = ['', 'K', 'M', 'G', 'T'].indexOf(m[2]!.toUpperCase());
  const bytes = Number(m[1]) * 1024 ** power;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

type Listed = Omit<IscsiDisk, 'chapSecret' | 'targetSecret'> & { readonly online: boolean; readonly usedBytes: number | null };

/** DISK is a disk's IQN, its label (the IQN's last part), its id, or the MAC of the machine it belongs to. */
export function findDisk(disks: readonly Listed[], ref: string): Listed | undefined {
  const mac = normalizeMac(ref);
  return disks.find((d) => d.iqn === ref || d.iqn.endsWith(`:${ref}`) || String(d.id) === ref || (mac !== null && d.machine === mac));
}

export async function iscsiCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
      allow: { type: 'string' },
      name: { type: 'string' },
      from: { type: 'string' },
      size: { type: 'string' },
      raw: { type: 'boolean' },
    },
  });
  const [action, arg, ...extra] = positionals;
  const dataDir = dataDirFrom(values['data-dir'], env);
  if (extra.length > 0) return usage(io, USAGE);

  const change = (what: string, method: 'POST' | 'DELETE', tail: string) =>
    actOnListed<Listed>(dataDir, io, {
      list: '/api/v1/iscsi/disks',
      find: (items) => findDisk(items, arg!),
      missing: `bramble: no iSCSI disk ${arg} (see bramble iscsi ls)`,
      method,
      tail,
      done: (item) => `${item.iqn}: ${what}`,
    });

  switch (action) {
    case 'ls':
      if (arg !== undefined) return usage(io, USAGE);
      return withApi(dataDir, async (call) => {
        const res = await call('GET', '/api/v1/iscsi/disks');
        if (failed(res, io)) return 1;
        const disks = res.body as Listed[];
        if (values.json) io.out(JSON.stringify(disks, null, 2));
        else if (disks.length === 0) io.out('no iSCSI disks yet: machines booting an iSCSI profile get one, or add one with bramble iscsi add');
        else {
          const rows = disks.map((d) => [String(d.id), d.iqn, d.image ?? '(raw)', d.machine ?? '', d.allow, sizeText(d.sizeBytes), sizeText(d.usedBytes), d.online ? 'yes' : 'no']);
          io.out(table([['ID', 'IQN', 'IMAGE', 'MACHINE', 'ALLOW', 'SIZE', 'USED', 'SERVED'], ...rows]));
        }
        return 0;
      });
    case 'images':
      if (arg !== undefined) return usage(io, USAGE);
      return withApi(dataDir, async (call) => {
        const res = await call('GET', '/api/v1/iscsi/images');
        if (failed(res, io)) return 1;
        const images = res.body as string[];
        io.out(images.length === 0 ? 'no golden images yet: put a disk image NAME.img in the iSCSI images folder' : images.join('\n'));
        return 0;
      });
    case 'image': {
      if (arg === undefined || values.from === undefined || values.size === undefined) return usage(io, USAGE);
      const sizeBytes = parseSize(values.size);
      if (sizeBytes === null) {
        io.err(`bramble: --size ${values.size}: give bytes or a size like 2G or 512M`);
        return 2;
      }
      const from = resolve(values.from);
      return withApi(dataDir, async (call) => {
        const res = await call('POST', '/api/v1/iscsi/images', { name: arg, from, sizeBytes });
        if (failed(res, io)) return 1;
        const made = res.body as { name: string; label: string };
        io.out(`${made.name}.img: ext4, label ${made.label}, made from ${from}`);
        return 0;
      });
    }
    case 'add': {
      const raw = values.raw === true;
      if ((raw ? (arg === undefined) === (values.size === undefined) : arg === undefined) || values.allow === undefined || values.name === undefined) return usage(io, USAGE);
      const sizeBytes = raw && values.size !== undefined ? parseSize(values.size) : null;
      if (raw && values.size !== undefined && sizeBytes === null) {
        io.err(`bramble: --size ${values.size}: give bytes or a size like 20G or 512M`);
        return 2;
      }
      const body = raw
        ? { raw: true, ...(arg === undefined ? { sizeBytes } : { image: arg }), label: values.name, allow: values.allow }
        : { image: arg, label: values.name, allow: values.allow };
      return withApi(dataDir, async (call) => {
        const res = await call('POST', '/api/v1/iscsi/disks', body);
        if (failed(res, io)) return 1;
        const made = res.body as Listed;
        const what = made.kind === 'raw' ? `a raw disk of ${sizeText(made.sizeBytes)}${arg === undefined ? '' : `, a copy of ${arg}`}` : `a copy-on-write disk over ${made.image}`;
        io.out(`${made.iqn}: ${what}, offered to ${made.allow} (CHAP user ${made.chapUser})`);
        return 0;
      });
    }
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
