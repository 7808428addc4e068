// Negotiation of iSCSI operational keys (RFC 7143 §6.2 outcomes, §13 key definitions): the initiator's offers
// in, the target's answers and the values both then use out. Pure; table-tested.
import type { TextKeys } from './text-keys.js';

/** What a session uses once login is done. Lengths are bytes. */
export interface SessionParams {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
  /** The most data the initiator takes in one PDU from us (its declared MaxRecvDataSegmentLength). */
  readonly initiatorMaxRecv: number;
  readonly maxBurstLength: number;
  readonly firstBurstLength: number;
  readonly immediateData: boolean;
  readonly initialR2T: boolean;
  readonly maxOutstandingR2T: number;
  readonly errorRecoveryLevel: number;
}

/** RFC 7143 §13 defaults: what holds for a key nobody offered. */
export const DEFAULT_PARAMS: SessionParams = {
  headerDigest: false,
  dataDigest: false,
  initiatorMaxRecv: 8192,
  maxBurstLength: 262144,
  firstBurstLength: 65536,
  immediateData: true,
  initialR2T: true,
  maxOutstandingR2T: 1,
  errorRecoveryLevel: 0,
};

/** The target's own side of each negotiation. */
export const TARGET_OFFER = {
  /** Declared to the initiator: the longest data segment we accept (the framer's limit). */
  maxRecvDataSegmentLength: 262144,
  maxBurstLength: 16776192,
  /** Immediate data rides in the command PDU, so at most our MaxRecvDataSegmentLength of it. */
  firstBurstLength: 262144,
  immediateData: true,
  /**
   * Yes: no unsolicited Data-Out PDUs. Immediate data is bounded by the command window times the first burst;
   * everything else comes when an R2T asks for it, so what a connection buffers stays within its budget.
   */
  initialR2T: true,
  maxOutstandingR2T: 16,
  errorRecoveryLevel: 0,
  defaultTime2Wait: 2,
  defaultTime2Retain: 0,
  maxConnections: 1,
} as const;

export interface Negotiation {
  /** What to answer, in the order offered. */
  readonly answers: Array<readonly [string, string]>;
  readonly params: SessionParams;
}

/** Keys of the login and security phase, answered elsewhere (login.ts). */
const LOGIN_KEYS = new Set(['InitiatorName', 'InitiatorAlias', 'TargetName', 'SessionType', 'AuthMethod', 'TargetAlias', 'TargetAddress', 'TargetPortalGroupTag']);
export const isLoginKey = (key: string): boolean => LOGIN_KEYS.has(key) || key.startsWith('CHAP_');

const numeric = (value: string): number | null => {
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
};
const yesNo = (value: string): boolean | null => (value === 'Yes' ? true : value === 'No' ? false : null);
const word = (b: boolean): string => (b ? 'Yes' : 'No');

type Rule =
  | { readonly kind: 'digest'; readonly set: (p: Mutable, v: boolean) => void }
  | { readonly kind: 'min' | 'max'; readonly low: number; readonly high: number; readonly ours: number; readonly set?: (p: Mutable, v: number) => void }
  | { readonly kind: 'and' | 'or'; readonly ours: boolean; readonly set: (p: Mutable, v: boolean) => void }
  | { readonly kind: 'declare'; readonly low: number; readonly high: number; readonly set: (p: Mutable, v: number) => void; readonly answer: string }
  /** Keys RFC 7143 removed (markers): answered so that an RFC 3720 initiator goes on without them. */
  | { readonly kind: 'fixed'; readonly answer: string };

type Mutable = { -readonly [K in keyof SessionParams]: SessionParams[K] };

const RULES: Readonly<Record<string, Rule>> = {
  HeaderDigest: { kind: 'digest', set: (p, v) => (p.headerDigest = v) },
  DataDigest: { kind: 'digest', set: (p, v) => (p.dataDigest = v) },
  MaxConnections: { kind: 'min', low: 1, high: 65535, ours: TARGET_OFFER.maxConnections },
  InitialR2T: { kind: 'or', ours: TARGET_OFFER.initialR2T, set: (p, v) => (p.initialR2T = v) },
  ImmediateData: { kind: 'and', ours: TARGET_OFFER.immediateData, set: (p, v) => (p.immediateData = v) },
  MaxRecvDataSegmentLength: {
    kind: 'declare',
    low: 512,
    high: 16777215,
    set: (p, v) => (p.initiatorMaxRecv = v),
    answer: String(TARGET_OFFER.maxRecvDataSegmentLength),
  },
  MaxBurstLength: { kind: 'min', low: 512, high: 16777215, ours: TARGET_OFFER.maxBurstLength, set: (p, v) => (p.maxBurstLength = v) },
  FirstBurstLength: { kind: 'min', low: 512, high: 16777215, ours: TARGET_OFFER.firstBurstLength, set: (p, v) => (p.firstBurstLength = v) },
  DefaultTime2Wait: { kind: 'max', low: 0, high: 3600, ours: TARGET_OFFER.defaultTime2Wait },
  DefaultTime2Retain: { kind: 'min', low: 0, high: 3600, ours: TARGET_OFFER.defaultTime2Retain },
  MaxOutstandingR2T: { kind: 'min', low: 1, high: 65535, ours: TARGET_OFFER.maxOutstandingR2T, set: (p, v) => (p.maxOutstandingR2T = v) },
  // In order: data goes where its offset says, but ERL 0 has no way to recover a gap, so order is required.
  DataPDUInOrder: { kind: 'or', ours: true, set: () => {} },
  DataSequenceInOrder: { kind: 'or', ours: true, set: () => {} },
  ErrorRecoveryLevel: { kind: 'min', low: 0, high: 2, ours: TARGET_OFFER.errorRecoveryLevel, set: (p, v) => (p.errorRecoveryLevel = v) },
  OFMarker: { kind: 'fixed', answer: 'No' },
  IFMarker: { kind: 'fixed', answer: 'No' },
  // RFC 7143 §13.25: a receiver of these removed keys answers Reject (never NotUnderstood).
  OFMarkInt: { kind: 'fixed', answer: 'Reject' },
  IFMarkInt: { kind: 'fixed', answer: 'Reject' },
};

/**
 * Answers the operational keys among `offered` (login keys are skipped), starting from `current` (what earlier
 * login PDUs of this connection settled).
 */
export function negotiateOperational(offered: TextKeys, current: SessionParams): Negotiation {
  const params: Mutable = { ...current };
  const answers: Array<readonly [string, string]> = [];
  for (const [key, value] of offered) {
    if (isLoginKey(key)) continue;
    const rule = RULES[key];
    if (rule === undefined) {
      answers.push([key, 'NotUnderstood']);
      continue;
    }
    switch (rule.kind) {
      case 'digest': {
        // A list in the initiator's order of preference; the first we support wins (RFC 7143 §6.2.1).
        const choice = value.split(',').find((v) => v === 'CRC32C' || v === 'None');
        answers.push([key, choice ?? 'Reject']);
        if (choice !== undefined) rule.set(params, choice === 'CRC32C');
        break;
      }
      case 'min':
      case 'max': {
        const n = numeric(value);
        if (n === null || n < rule.low || n > rule.high) {
          answers.push([key, 'Reject']);
          break;
        }
        const result = rule.kind === 'min' ? Math.min(n, rule.ours) : Math.max(n, rule.ours);
        rule.set?.(params, result);
        answers.push([key, String(result)]);
        break;
      }
      case 'and':
      case 'or': {
        const b = yesNo(value);
        if (b === null) {
          answers.push([key, 'Reject']);
          break;
        }
        const result = rule.kind === 'and' ? b && rule.ours : b || rule.ours;
        rule.set(params, result);
        answers.push([key, word(result)]);
        break;
      }
      case 'declare': {
        const n = numeric(value);
        if (n === null || n < rule.low || n > rule.high) {
          answers.push([key, 'Reject']);
          break;
        }
        rule.set(params, n);
        answers.push([key, rule.answer]);
        break;
      }
      case 'fixed':
        answers.push([key, rule.answer]);
        break;
    }
  }
  // FirstBurstLength may not exceed MaxBurstLength (RFC 7143 §13.14), whichever order they came in; the answer
  // says the value that holds.
  if (params.firstBurstLength > params.maxBurstLength) {
    params.firstBurstLength = params.maxBurstLength;
    const at = answers.findIndex(([k]) => k === 'FirstBurstLength');
    if (at >= 0) answers[at] = ['FirstBurstLength', String(params.firstBurstLength)];
  }
  return { answers, params };
}

/** MaxRecvDataSegmentLength is declared by each side; a target that was not asked still declares its own. */
export function targetDeclarations(offered: TextKeys): Array<readonly [string, string]> {
  return offered.some(([k]) => k === 'MaxRecvDataSegmentLength') ? [] : [['MaxRecvDataSegmentLength', String(TARGET_OFFER.maxRecvDataSegmentLength)]];
}
