// The result of one DHCP decision, shared by the proxy and full decision tables (RFC 2131 §4.3).
import type { DhcpMessage } from './message.js';
import type { ReplyDestination } from './reply.js';
import type { DhcpEvent } from './types.js';
import type { LeaseChange } from './leases.js';

export type DhcpDecision =
  | {
      readonly action: 'reply';
      readonly reply: DhcpMessage;
      readonly to: ReplyDestination;
      readonly event: DhcpEvent;
      readonly change?: LeaseChange;
    }
  /** Handled, nothing to send (RELEASE, DECLINE). */
  | { readonly action: 'silent'; readonly event: DhcpEvent; readonly change?: LeaseChange }
  | { readonly action: 'ignore'; readonly reason: string; readonly change?: LeaseChange };

export function ignore(reason: string, change?: LeaseChange): DhcpDecision {
  return change === undefined ? { action: 'ignore', reason } : { action: 'ignore', reason, change };
}

/** Option 60 of PXE firmware (PXE 2.1) and of UEFI HTTP boot (UEFI 2.5 §24.7). */
export function isBootFirmware(vendorClass: string | null): boolean {
  return vendorClass !== null && (vendorClass.startsWith('PXEClient') || vendorClass.startsWith('HTTPClient'));
}
