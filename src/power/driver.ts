// The one interface every power driver implements (on, off, cycle, status), for hardware without IPMI.
//
// Drivers are small and stateless: a driver is made from its machine's power settings and asked one action at a
// time. Each declares what it can do; the power service refuses the rest before calling it. A driver never
// throws for a failure of the device or the network: it returns { ok: false } with a stable code and a
// message a user can act on, and it gives up when `signal` aborts (the service's timeout).

export type PowerAction = 'on' | 'off' | 'cycle' | 'status';

/** What a device reported; 'unknown' when it cannot tell (a WoL machine, a webhook without a status URL). */
export type PowerState = 'on' | 'off' | 'unknown';

export type PowerFailureCode =
  /** The device did not answer in time (the signal aborted). */
  | 'TIMEOUT'
  /** Nothing listens, or the network is unreachable. */
  | 'UNREACHABLE'
  /** The device refused our credentials (HTTP 401/403, SSH permission denied). */
  | 'AUTH_FAILED'
  /** The device answered, but not in the documented shape (or with an error status). */
  | 'BAD_RESPONSE'
  /** The action is not one this driver declares. */
  | 'UNSUPPORTED';

export type PowerResult =
  | {
      readonly ok: true;
      /** The state after the action, when the device tells it. */
      readonly state: PowerState;
      /** One line for the event log: what was done, e.g. "magic packet sent 3 times to 198.18.0.255:9". */
      readonly detail: string;
    }
  | { readonly ok: false; readonly code: PowerFailureCode; readonly message: string };

export interface PowerDriver {
  /** The driver's name as users configure it: 'wol', 'tasmota', 'shelly', 'webhook', 'ssh', 'manual'. */
  readonly kind: string;
  readonly can: ReadonlySet<PowerAction>;
  run(action: PowerAction, signal: AbortSignal): Promise<PowerResult>;
}
