// Which machine a CLI argument names: a MAC in any common spelling, or a machine's name matched exactly.
import { normalizeMac } from '../net/mac.js';
import type { ApiCall } from '../control/control-client.js';
import { apiError } from './api-result.js';

export interface NamedMachine {
  readonly mac: string;
  readonly name?: string;
}

export type MachineRef = { readonly ok: true; readonly mac: string } | { readonly ok: false; readonly message: string };

/**
 * A MAC-shaped argument is always taken as a MAC, known or not: `machine set` and `wake` work on machines never
 * seen, and no name may hide the machine that really has that address. Names are matched exactly; several
 * machines may share one (the API allows it), and then only the MAC says which is meant.
 */
export function resolveMachineRef(text: string, machines: readonly NamedMachine[]): MachineRef {
  const mac = normalizeMac(text);
  if (mac !== null) return { ok: true, mac };
  if (text.trim() === '') return { ok: false, message: 'no machine given: name one by its MAC or its name' };
  const named = machines.filter((m) => m.name === text);
  const [only] = named;
  if (only !== undefined && named.length === 1) return { ok: true, mac: only.mac };
  if (named.length > 1) {
    return { ok: false, message: `"${text}" names ${named.length} machines (${named.map((m) => m.mac).join(', ')}): give the MAC of the one you mean` };
  }
  const near = machines.filter((m) => m.name !== undefined && m.name.toLowerCase() === text.toLowerCase()).map((m) => `"${m.name}"`);
  const hint = near.length > 0 ? `; names match exactly, did you mean ${near.join(' or ')}?` : ' (a machine is named by its MAC, or by a name from bramble machine ls)';
  return { ok: false, message: `no machine named "${text}"${hint}` };
}

/** Resolves through the API, listing machines only when the argument is not a MAC. */
export async function lookupMachine(call: ApiCall, text: string): Promise<MachineRef> {
  if (normalizeMac(text) !== null) return resolveMachineRef(text, []);
  const res = await call('GET', '/api/v1/machines');
  const error = apiError(res);
  if (error !== null) return { ok: false, message: error.message };
  return resolveMachineRef(text, res.body as NamedMachine[]);
}
