// Universal addresses of IPv4 transports (RFC 5665 §5.2.3.3, used by rpcbind v3/v4 in RFC 1833 §2.2): "a.b.c.d.p1.p2".

export function formatUniversalAddress(address: string, port: number): string {
  return `${address}.${port >>> 8}.${port & 0xff}`;
}

/** The host and port of an IPv4 universal address, or null when it is not one. */
export function parseUniversalAddress(uaddr: string): { readonly address: string; readonly port: number } | null {
  const parts = uaddr.split('.');
  if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  const n = parts.map(Number);
  return { address: n.slice(0, 4).join('.'), port: n[4]! * 256 + n[5]! };
}
