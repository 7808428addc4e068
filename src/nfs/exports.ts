// Bramble's NFS exports (plan in src/nfs/README.md): kept in the store, each served over an open View.
//
// A shared export serves a golden root read-only; a layer export serves the golden root plus its own layer
// folder, <data>/nfs/layers/<id>. Machines booting an nfs-root profile get a layer export on their first boot,
// offered to their address only. A reset removes the layer folder and bumps the generation, so every handle
// the client still holds answers STALE.
import { randomInt } from 'node:crypto';
import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { NfsExport } from '../store/schema.js';
import type { ExportRule } from './export-access.js';
import { allowText, checkName, exportPath, machineLabel, parseAllow, type Checked } from './export-input.js';
import type { ServedExport } from './served-export.js';
import { openGoldenView, type GoldenView } from './view/golden-view.js';
import { openLayeredView, type LayeredView } from './view/layered-view.js';
import { readOnlyView } from './view/read-only-view.js';

export interface NfsExportsOptions {
  readonly store: Store;
  readonly dataDir: string;
  /** Each subfolder is a golden root, named by its folder name. */
  readonly rootsDir: string;
  readonly log: Logger;
}

export interface AddExport {
  readonly root: unknown;
  readonly allow: unknown;
  /** Absent: a shared read-only export of the root. */
  readonly label?: unknown;
  readonly rootSquash?: unknown;
}

export class NfsExportError extends Error {
  constructor(
    readonly code: 'INVALID' | 'NOT_FOUND' | 'EXISTS' | 'NO_ROOT',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'NfsExportError';
  }
}

export interface NfsExports {
  readonly rootsDir: string;
  /** Opens every stored export; an export whose root is missing is logged and left offline. */
  open(): Promise<void>;
  served(id: number): ServedExport | undefined;
  /** Every export and whether it is being served. */
  list(): readonly (NfsExport & { readonly online: boolean })[];
  /** The golden roots there are (folders of the roots folder). */
  roots(): Promise<string[]>;
  add(input: AddExport): Promise<NfsExport>;
  /** A machine's own layer export over `root`, made on its first boot; its address kept current. */
  forMachine(mac: string, address: string, root: string): Promise<NfsExport>;
  reset(id: number): Promise<NfsExport>;
  remove(id: number): Promise<void>;
  /** Bytes the export's layer takes on disk (0 for a shared export). */
  layerBytes(id: number): Promise<number>;
  close(): Promise<void>;
}

function ruleOf(exp: NfsExport): ExportRule {
  const allow = parseAllow(exp.allow);
  // Stored values were checked when made; a hand-edited store that breaks one offers the export to nobody.
  return {
    allow: allow.ok ? allow.value : { kind: 'address', address: '0.0.0.0' },
    rootSquash: exp.rootSquash,
    readOnly: exp.kind === 'shared',
  };
}

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      const st = await lstat(path).catch(() => null);
      if (st === null) continue;
      total += st.blocks * 512;
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk(folder);
  return total;
}

export function createNfsExports(options: NfsExportsOptions): NfsExports {
  const { store, log } = options;
  const goldens = new Map<string, Promise<GoldenView>>();
  const served = new Map<number, ServedExport & { readonly close: () => Promise<void> }>();
  const layerFolder = (id: number): string => join(options.dataDir, 'nfs', 'layers', String(id));
  const stored = (id: number): NfsExport | undefined => store.read().nfsExports.find((e) => e.id === id);

  const goldenOf = (root: string): Promise<GoldenView> => {
    let golden = goldens.get(root);
    if (golden === undefined) {
      golden = openGoldenView(join(options.rootsDir, root));
      goldens.set(root, golden);
      golden.catch(() => goldens.delete(root));
    }
    return golden;
  };

  const serve = async (exp: NfsExport): Promise<void> => {
    const golden = await goldenOf(exp.root);
    let layered: LayeredView | null = null;
    if (exp.kind === 'layer') layered = await openLayeredView({ golden, folder: layerFolder(exp.id), log: log.child({ export: exp.path }) });
    served.set(exp.id, {
      id: exp.id,
      generation: () => stored(exp.id)?.generation ?? 0,
      rule: ruleOf(exp),
      view: layered ?? readOnlyView(golden),
      fsid: BigInt(exp.id),
      close: async () => {
        await layered?.close();
      },
    });
  };

  const unserve = async (id: number): Promise<void> => {
    const current = served.get(id);
    served.delete(id);
    await current?.close();
  };

  const rootExists = async (root: string): Promise<boolean> => (await stat(join(options.rootsDir, root)).catch(() => null))?.isDirectory() === true;

  const fail = (checked: Checked<unknown> & { ok: false }): never => {
    throw new NfsExportError('INVALID', checked.field, `${checked.field}: ${checked.error}`);
  };

  const insert = async (fields: Omit<NfsExport, 'id' | 'generation' | 'createdAt'>): Promise<NfsExport> => {
    const made = await store.update((draft) => {
      if (draft.nfsExports.some((e) => e.path === fields.path)) return null;
      // Random, not max+1: a removed export's id must not come back, or its old handles would work again.
      let id = randomInt(1, 2 ** 31);
      while (draft.nfsExports.some((e) => e.id === id)) id = randomInt(1, 2 ** 31);
      const exp: NfsExport = { ...fields, id, generation: 1, createdAt: new Date().toISOString() };
      draft.nfsExports.push({ ...exp });
      return exp;
    });
    if (made === null) throw new NfsExportError('EXISTS', 'path', `export ${fields.path} already exists`);
    await serve(made);
    log.info('nfs export added', { path: made.path, allow: made.allow, kind: made.kind });
    return made;
  };

  return {
    rootsDir: options.rootsDir,
    async open() {
      await mkdir(options.rootsDir, { recursive: true });
      for (const exp of store.read().nfsExports) {
        try {
          await serve(exp);
        } catch (error) {
          log.error('nfs export not served: its golden root cannot be opened', { path: exp.path, root: exp.root, error });
        }
      }
    },
    served: (id) => served.get(id),
    list: () => store.read().nfsExports.map((e) => ({ ...e, online: served.has(e.id) })),
    async roots() {
      const entries = await readdir(options.rootsDir, { withFileTypes: true }).catch(() => []);
      return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    },
    async add(input) {
      const root = checkName('root', input.root);
      if (!root.ok) fail(root);
      const allow = parseAllow(input.allow);
      if (!allow.ok) fail(allow);
      const label = input.label === undefined ? null : checkName('label', input.label);
      if (label !== null && !label.ok) fail(label);
      if (input.rootSquash !== undefined && typeof input.rootSquash !== 'boolean') throw new NfsExportError('INVALID', 'rootSquash', 'rootSquash: must be true or false');
      const rootName = (root as { value: string }).value;
      if (!(await rootExists(rootName))) throw new NfsExportError('NO_ROOT', 'root', `root: no golden root folder ${join(options.rootsDir, rootName)}`);
      const labelName = label === null ? undefined : (label as { value: string }).value;
      return insert({
        path: exportPath(rootName, labelName),
        root: rootName,
        kind: labelName === undefined ? 'shared' : 'layer',
        allow: allowText((allow as { value: Parameters<typeof allowText>[0] }).value),
        rootSquash: input.rootSquash === true,
      });
    },
    async forMachine(mac, address, root) {
      const path = exportPath(root, machineLabel(mac));
      const existing = store.read().nfsExports.find((e) => e.path === path);
      if (existing === undefined) {
        if (!(await rootExists(root))) throw new NfsExportError('NO_ROOT', 'nfsRoot', `no golden root folder ${join(options.rootsDir, root)}`);
        try {
          return await insert({ path, root, kind: 'layer', machine: mac, allow: address, rootSquash: false });
        } catch (error) {
          // Two boot requests of one machine at once (a firmware retrying): the other one made it.
          const made = store.read().nfsExports.find((e) => e.path === path);
          if (error instanceof NfsExportError && error.code === 'EXISTS' && made !== undefined) return made;
          throw error;
        }
      }
      if (existing.allow === address && served.has(existing.id)) return existing;
      // The machine got another address since: follow it, or its own root would refuse it.
      const updated = await store.update((draft) => {
        const e = draft.nfsExports.find((x) => x.id === existing.id)!;
        e.allow = address;
        return { ...e } as NfsExport;
      });
      await unserve(updated.id);
      await serve(updated);
      return updated;
    },
    async reset(id) {
      const exp = stored(id);
      if (exp === undefined) throw new NfsExportError('NOT_FOUND', 'id', `no export ${id}`);
      await unserve(id);
      if (exp.kind === 'layer') await rm(layerFolder(id), { recursive: true, force: true });
      const updated = await store.update((draft) => {
        const e = draft.nfsExports.find((x) => x.id === id)!;
        e.generation += 1;
        e.resetAt = new Date().toISOString();
        return { ...e } as NfsExport;
      });
      await serve(updated);
      log.info('nfs export reset to golden', { path: updated.path, generation: updated.generation });
      return updated;
    },
    async remove(id) {
      const exp = stored(id);
      if (exp === undefined) throw new NfsExportError('NOT_FOUND', 'id', `no export ${id}`);
      await unserve(id);
      await store.update((draft) => {
        draft.nfsExports = draft.nfsExports.filter((e) => e.id !== id);
      });
      await rm(layerFolder(id), { recursive: true, force: true });
      log.info('nfs export removed', { path: exp.path });
    },
    async layerBytes(id) {
      const exp = stored(id);
      return exp?.kind === 'layer' ? folderBytes(layerFolder(id)) : 0;
    },
    async close() {
      for (const id of [...served.keys()]) await unserve(id);
      for (const golden of goldens.values()) await (await golden.catch(() => null))?.close();
      goldens.clear();
    },
  };
}
