// What a user may ask for an NFS export (CLI flags, API body) checked into store values: pure.
import { isIpv4, parseIpv4 } from '../net/ipv4.js';
import type { ExportAllow } from './export-access.js';

/** Golden root folder names and layer labels: one path component, nothing a shell or a URL must escape. */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Exports live under one prefix, so MOUNT paths never look like the server's own folders. */
export const EXPORT_PREFIX = '/bramble';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly field: string; readonly error: string };

/** "198.18.0.7" or "198.18.0.0/24"; a subnet must name its network address. */
export function parseAllow(text: unknown): Checked<ExportAllow> {
  const bad = (error: string): Checked<ExportAllow> => ({ ok: false, field: 'allow', error });
  if (typeof text !== 'string') return bad('must be an IPv4 address or a subnet like 192.168.1.0/24');
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0 || address === undefined || !isIpv4(address)) return bad(`"${text}" is not an IPv4 address or a subnet like 192.168.1.0/24`);
  if (prefixText === undefined) return { ok: true, value: { kind: 'address', address } };
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) return bad(`"${text}": the prefix length must be 0 to 32`);
  const prefix = Number(prefixText);
  const network = parseIpv4(address)!;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((network & ~mask) >>> 0 !== 0) return bad(`"${text}" is not a network address (host bits set)`);
  return { ok: true, value: { kind: 'subnet', network: address, prefix } };
}

export function allowText(allow: ExportAllow): string {
  return allow.kind === 'address' ? allow.address : `${allow.network}/${allow.prefix}`;
}

/** A machine's layer is labelled by its MAC with dashes: the path stays one readable component. */
export function machineLabel(mac: string): string {
  return mac.toLowerCase().replace(/:/g, '-');
}

export function exportPath(root: string, label?: string): string {
  return label === undefined ? `${EXPORT_PREFIX}/${root}` : `${EXPORT_PREFIX}/${root}/${label}`;
}

export function checkName(field: string, value: unknown): Checked<string> {
  if (typeof value !== 'string' || !EXPORT_NAME.test(value)) {
    return { ok: false, field, error: 'must be 1-63 letters, digits, dot, dash or underscore, starting with a letter or digit' };
  }
  return { ok: true, value };
}
