// Requests for decision tests: real captures, decoded, with the few fields a case changes.
import { describeClient } from '../../../src/dhcp/client.js';
import { decodeDhcp } from '../../../src/dhcp/codec.js';
import type { DhcpMessage } from '../../../src/dhcp/message.js';
import type { DhcpClient } from '../../../src/dhcp/types.js';
import { loadCapture } from './fixtures.js';
import type { CaptureName } from './fixtures.js';

export interface Edits {
  /** Option values to set (bytes, or a dotted quad for address options); null removes the option. */
  readonly options?: readonly (readonly [number, readonly number[] | string | null])[];
  readonly giaddr?: string;
  readonly ciaddr?: string;
  readonly flags?: number;
  readonly mac?: string;
  readonly type?: number;
}

export function request(name: CaptureName, edits: Edits = {}): { message: DhcpMessage; client: DhcpClient } {
  const decoded = decodeDhcp(loadCapture(name));
  if (!decoded.ok) throw new Error(decoded.error.message);
  const base = decoded.message;
  const options = new Map(base.options);
  if (edits.type !== undefined) options.set(53, Buffer.from([edits.type]));
  for (const [code, value] of edits.options ?? []) {
    if (value === null) options.delete(code);
    else options.set(code, typeof value === 'string' ? Buffer.from(value.split('.').map(Number)) : Buffer.from(value));
  }
  const chaddr = Buffer.from(base.chaddr);
  if (edits.mac !== undefined) Buffer.from(edits.mac.replace(/:/g, ''), 'hex').copy(chaddr);
  const message: DhcpMessage = {
    ...base,
    options,
    chaddr,
    giaddr: edits.giaddr ?? base.giaddr,
    ciaddr: edits.ciaddr ?? base.ciaddr,
    flags: edits.flags ?? base.flags,
  };
  const described = describeClient(message, 67);
  if (!described.ok) throw new Error(described.reason);
  return { message, client: described.client };
}
