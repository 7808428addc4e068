// Validates a machine's Wake-on-LAN power settings (as stored in Machine.power, or given as CLI flags / API body).
import { formatMac } from '../net/mac.js';
import { MagicPacketError, parseSecureOn } from './magic-packet.js';

/** UDP ports that WoL listeners watch: 9 (discard) is the usual one, 7 (echo) the other one NICs accept. */
export const WOL_PORTS = [9, 7] as const;
export type WolPort = (typeof WOL_PORTS)[number];
export const DEFAULT_WOL_PORT: WolPort = 9;
/** A lost broadcast is not retried by anyone, so the packet goes out a few times. */
export const DEFAULT_WOL_COUNT = 3;
export const MAX_WOL_COUNT = 10;

export interface WolSettings {
  /** The SecureOn password, as lower-case colon-separated hex; a secret, never logged. */
  readonly secureOn?: string;
  readonly port: WolPort;
  readonly count: number;
}

export type WolSettingsCheck = { readonly ok: true; readonly settings: WolSettings } | { readonly ok: false; readonly field: string; readonly error: string };

const KNOWN_FIELDS = new Set(['driver', 'secureOn', 'port', 'count']);

/** Numbers may come as JSON numbers or as the digits of a CLI flag. */
export function parseWolSettings(input: unknown): WolSettingsCheck {
  const bad = (field: string, error: string): WolSettingsCheck => ({ ok: false, field, error });
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) return bad('settings', 'must be an object with secureOn, port and count');
  const fields = input as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(key)) return bad(key, 'is not a Wake-on-LAN setting (secureOn, port, count)');
  }
  if (fields.driver !== undefined && fields.driver !== 'wol') return bad('driver', 'must be "wol" for Wake-on-LAN settings');

  let secureOn: string | undefined;
  if (fields.secureOn !== undefined && fields.secureOn !== '') {
    if (typeof fields.secureOn !== 'string') return bad('secureOn', 'must be hex byte pairs, like aa:bb:cc:dd or aa-bb-cc-dd-ee-ff');
    try {
      // Stored in the same hex form as a MAC, whichever separators the user typed.
      secureOn = formatMac(parseSecureOn(fields.secureOn));
    } catch (error) {
      if (error instanceof MagicPacketError) return bad('secureOn', error.message);
      throw error;
    }
  }

  const port = wholeNumber(fields.port, DEFAULT_WOL_PORT);
  if (port === null || !(WOL_PORTS as readonly number[]).includes(port)) return bad('port', 'must be 9 or 7');
  const count = wholeNumber(fields.count, DEFAULT_WOL_COUNT);
  if (count === null || count < 1 || count > MAX_WOL_COUNT) return bad('count', `must be a whole number from 1 to ${MAX_WOL_COUNT}`);

  return { ok: true, settings: { ...(secureOn === undefined ? {} : { secureOn }), port: port as WolPort, count } };
}

function wholeNumber(value: unknown, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\d{1,6}$/.test(value.trim())) return Number(value.trim());
  return null;
}
