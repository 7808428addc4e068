// Request filenames as text (RFC 1350 §2 leaves their charset open): UTF-8 when the octets are UTF-8, else latin1.

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `octets` holds one char per octet, as decodeTftp returns filenames. */
export function filenameText(octets: string): string {
  // Pure ASCII is the overwhelming case and reads the same either way.
  if (/^[\x00-\x7f]*$/.test(octets)) return octets;
  try {
    return utf8.decode(Buffer.from(octets, 'latin1'));
  } catch {
    return octets;
  }
}
