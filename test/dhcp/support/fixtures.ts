// The real client captures under test/fixtures/dhcp (made by test/dhcp/capture.ts) and what we know of each.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/dhcp/', import.meta.url));

export type CaptureName =
  | 'ipxe-bios-discover'
  | 'ipxe-bios-request'
  | 'ovmf-discover'
  | 'ovmf-request'
  | 'ovmf-http-discover'
  | 'udhcpc-discover'
  | 'udhcpc-request'
  | 'dhclient-discover'
  | 'dhclient-request';

export const captureNames: readonly CaptureName[] = [
  'ipxe-bios-discover',
  'ipxe-bios-request',
  'ovmf-discover',
  'ovmf-request',
  'ovmf-http-discover',
  'udhcpc-discover',
  'udhcpc-request',
  'dhclient-discover',
  'dhclient-request',
];

export function loadCapture(name: CaptureName): Buffer {
  return readFileSync(`${dir}${name}.bin`);
}

interface ManifestEntry {
  readonly mac: string;
  readonly uuid?: string;
}

/** What capture.ts started each client with (its MAC; for VMs the -uuid), recorded beside the captures. */
export function captureInput(name: CaptureName): ManifestEntry {
  const manifest = JSON.parse(readFileSync(`${dir}captures.json`, 'utf8')) as Record<string, ManifestEntry>;
  const client = name.replace(/-(discover|request)$/, '');
  const entry = manifest[client];
  if (entry === undefined) throw new Error(`no manifest entry for ${client}`);
  return entry;
}
