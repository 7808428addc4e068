// MAC address text forms: Bramble stores and logs MACs as lower-case, colon-separated hex.

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Accepts aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff, in any case; null when not a MAC. */
export function normalizeMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[:-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

export function macToBytes(mac: string): Buffer {
  const normal = normalizeMac(mac);
  if (normal === null) throw new TypeError(`not a MAC address: ${mac}`);
  return Buffer.from(normal.replace(/:/g, ''), 'hex');
}
