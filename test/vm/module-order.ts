// Load order for kernel modules from modules.dep (depmod(8) format: "path.ko: dep.ko dep.ko"), dependencies
// first, so the initramfs can insmod them one by one without modprobe or depmod.
import { HarnessError } from '../support/harness-error.js';

export type ModulesDep = ReadonlyMap<string, { readonly path: string; readonly deps: readonly string[] }>;

/** "kernel/drivers/net/virtio_net.ko" -> "virtio_net"; depmod treats '-' and '_' in names alike. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export function parseModulesDep(text: string): ModulesDep {
  const map = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const path = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((d) => d !== '');
    map.set(moduleName(path), { path, deps });
  }
  return map;
}

/** Paths (relative to /lib/modules/VERSION) of `wanted` and everything they need, each after its dependencies. */
export function moduleLoadOrder(dep: ModulesDep, wanted: readonly string[]): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string, neededBy: string | undefined): void => {
    if (done.has(name)) return;
    const entry = dep.get(name);
    if (entry === undefined) {
      const why = neededBy === undefined ? '' : ` (needed by ${neededBy})`;
      throw new HarnessError('MODULE_MISSING', `kernel module ${name}${why} is not in modules.dep`);
    }
    // modules.dep is already a closure and acyclic; the guard only stops a corrupt file from recursing forever.
    if (visiting.has(name)) return;
    visiting.add(name);
    for (const d of entry.deps) visit(moduleName(d), name);
    visiting.delete(name);
    done.add(name);
    order.push(entry.path);
  };
  for (const name of wanted) visit(name.replace(/-/g, '_'), undefined);
  return order;
}
