// `bramble profile add|ls|show|rm`: boot profiles (kernel+initrd, diskless NFS root, raw iPXE script, chain URL, local disk).
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Profile } from '../store/schema.js';
import { withApi } from '../control/control-client.js';
import { isUrl } from '../profiles/profile-input.js';
import { dataDirFrom } from './data-dir.js';
import { failed } from './api-result.js';
import { table, usage, type Output } from './output.js';

export async function profileCommand(args: readonly string[], env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      kernel: { type: 'string' },
      initrd: { type: 'string', multiple: true },
      cmdline: { type: 'string' },
      'nfs-root': { type: 'string' },
      'iscsi-image': { type: 'string' },
      sanboot: { type: 'boolean' },
      script: { type: 'string' },
      chain: { type: 'string' },
      'local-disk': { type: 'boolean' },
      description: { type: 'string' },
      replace: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const [action, name] = positionals;
  const dataDir = dataDirFrom(values['data-dir'], env);
  // Paths are resolved here, against the user's working folder, because the server has its own.
  const local = (p: string | undefined) => (p === undefined || isUrl(p) ? p : resolve(p));

  switch (action) {
    case 'add': {
      if (name === undefined) return usage(io, 'profile add NAME ...');
      let script: string | undefined;
      if (values.script !== undefined) {
        try {
          script = await readFile(values.script, 'utf8');
        } catch (error) {
          io.err(`bramble: cannot read --script ${values.script}: ${(error as Error).message}`);
          return 1;
        }
      }
      const body = {
        name,
        ...(values.kernel === undefined ? {} : { kernel: local(values.kernel), initrds: (values.initrd ?? []).map(local) }),
        ...(values.kernel === undefined && values.initrd !== undefined ? { initrds: values.initrd } : {}),
        ...(values.cmdline === undefined ? {} : { cmdline: values.cmdline }),
        ...(values['nfs-root'] === undefined ? {} : { nfsRoot: values['nfs-root'] }),
        ...(values['iscsi-image'] === undefined ? {} : { iscsiImage: values['iscsi-image'] }),
        ...(values.sanboot ? { sanboot: true } : {}),
        ...(script === undefined ? {} : { script }),
        ...(values.chain === undefined ? {} : { chain: values.chain }),
        ...(values['local-disk'] ? { localDisk: true } : {}),
        ...(values.description === undefined ? {} : { description: values.description }),
      };
      return withApi(dataDir, async (call) => {
        const res = await call('POST', `/api/v1/profiles${values.replace ? '?replace=true' : ''}`, body);
        if (failed(res, io)) return 1;
        io.out(`profile ${name} saved`);
        return 0;
      });
    }
    case 'ls':
      return withApi(dataDir, async (call) => {
        const res = await call('GET', '/api/v1/profiles');
        if (failed(res, io)) return 1;
        const profiles = res.body as Profile[];
        if (values.json) io.out(JSON.stringify(profiles, null, 2));
        else if (profiles.length === 0) io.out('no profiles yet: add one with `bramble profile add NAME --kernel ... --initrd ...`');
        else io.out(table([['NAME', 'KIND', 'DESCRIPTION'], ...profiles.map((p) => [p.name, p.kind, p.description ?? ''])]));
        return 0;
      });
    case 'show':
      if (name === undefined) return usage(io, 'profile show NAME');
      return withApi(dataDir, async (call) => {
        const res = await call('GET', `/api/v1/profiles/${encodeURIComponent(name)}`);
        if (failed(res, io)) return 1;
        io.out(JSON.stringify(res.body, null, 2));
        return 0;
      });
    case 'rm':
      if (name === undefined) return usage(io, 'profile rm NAME [--force]');
      return withApi(dataDir, async (call) => {
        const res = await call('DELETE', `/api/v1/profiles/${encodeURIComponent(name)}${values.force ? '?force=true' : ''}`);
        if (failed(res, io)) return 1;
        io.out(`profile ${name} removed`);
        return 0;
      });
    default:
      return usage(io, 'profile add|ls|show|rm');
  }
}
