// Who may use an NFS export and as whom (RFC 1813 §4.4 leaves it to the server; Linux exports(5) is the model): pure.
//
// A machine's own layer is offered only to that machine's address; a shared export to a configured subnet. Root
// squash maps uid/gid 0 to nobody, as exports(5)'s root_squash does, unless turned off for diskless roots (a root
// filesystem needs root to write /etc, /var and /root).
import { parseIpv4, prefixToNetmask, sameSubnet } from '../net/ipv4.js';
import type { Credential } from '../rpc/auth.js';

export const NOBODY = 65534;

export type ExportAllow = { readonly kind: 'address'; readonly address: string } | { readonly kind: 'subnet'; readonly network: string; readonly prefix: number };

export interface ExportRule {
  readonly allow: ExportAllow;
  readonly rootSquash: boolean;
  readonly readOnly: boolean;
}

/**
 * Addresses as numbers, by their text: every NFS call asks mayUse, and parsing two dotted quads each time was
 * ~4% of a listing's server time. Bounded; a home LAN has far fewer clients and exports.
 */
const parsed = new Map<string, number | null>();
const PARSED_KEPT = 1024;

function addressOf(text: string): number | null {
  let value = parsed.get(text);
  if (value === undefined) {
    value = parseIpv4(text.startsWith('::ffff:') ? text.slice(7) : text);
    if (parsed.size >= PARSED_KEPT) parsed.clear();
    parsed.set(text, value);
  }
  return value;
}

/** True when `client` (an IPv4 address, possibly IPv4-mapped IPv6) may use an export with this rule. */
export function mayUse(rule: ExportRule, client: string): boolean {
  const address = addressOf(client);
  if (address === null) return false;
  if (rule.allow.kind === 'address') return addressOf(rule.allow.address) === address;
  const network = addressOf(rule.allow.network);
  if (network === null || rule.allow.prefix < 0 || rule.allow.prefix > 32) return false;
  return sameSubnet(address, network, prefixToNetmask(rule.allow.prefix));
}

/** The identity a request acts as: AUTH_SYS's uid and groups, squashed when the rule says so; AUTH_NONE is nobody. */
export function effectiveIdentity(rule: ExportRule, auth: Credential): { readonly uid: number; readonly gid: number; readonly gids: readonly number[] } {
  if (auth.flavor !== 'sys') return { uid: NOBODY, gid: NOBODY, gids: [] };
  const squash = (id: number): number => (rule.rootSquash && id === 0 ? NOBODY : id);
  return { uid: squash(auth.uid), gid: squash(auth.gid), gids: auth.gids.map(squash) };
}
