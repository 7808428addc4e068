// SCSI status codes and fixed-format sense data (SPC-4 §4.5.3, §4.5.6 sense keys, Annex D ASC/ASCQ): pure.

export const ScsiStatus = {
  good: 0x00,
  checkCondition: 0x02,
  busy: 0x08,
  reservationConflict: 0x18,
  taskSetFull: 0x28,
  taskAborted: 0x40,
} as const;

export const SenseKey = {
  noSense: 0x0,
  notReady: 0x2,
  mediumError: 0x3,
  illegalRequest: 0x5,
  unitAttention: 0x6,
  dataProtect: 0x7,
  abortedCommand: 0xb,
  miscompare: 0xe,
} as const;

/** What went wrong, as sense key + additional sense code and qualifier. */
export interface Sense {
  readonly key: number;
  readonly asc: number;
  readonly ascq: number;
  /** The INFORMATION field (SPC-4 §4.5.3): the first bad LBA, say. */
  readonly information?: bigint;
}

export const Senses = {
  invalidOpcode: { key: SenseKey.illegalRequest, asc: 0x20, ascq: 0x00 },
  lbaOutOfRange: { key: SenseKey.illegalRequest, asc: 0x21, ascq: 0x00 },
  invalidFieldInCdb: { key: SenseKey.illegalRequest, asc: 0x24, ascq: 0x00 },
  lunNotSupported: { key: SenseKey.illegalRequest, asc: 0x25, ascq: 0x00 },
  invalidFieldInParameterList: { key: SenseKey.illegalRequest, asc: 0x26, ascq: 0x00 },
  invalidFieldInInformationUnit: { key: SenseKey.illegalRequest, asc: 0x0e, ascq: 0x03 },
  parameterListLengthError: { key: SenseKey.illegalRequest, asc: 0x1a, ascq: 0x00 },
  savingParametersNotSupported: { key: SenseKey.illegalRequest, asc: 0x39, ascq: 0x00 },
  writeProtected: { key: SenseKey.dataProtect, asc: 0x27, ascq: 0x00 },
  unrecoveredReadError: { key: SenseKey.mediumError, asc: 0x11, ascq: 0x00 },
  writeError: { key: SenseKey.mediumError, asc: 0x0c, ascq: 0x00 },
  spaceAllocationFailed: { key: SenseKey.dataProtect, asc: 0x27, ascq: 0x07 },
  miscompareDuringVerify: { key: SenseKey.miscompare, asc: 0x1d, ascq: 0x00 },
  dataPhaseError: { key: SenseKey.abortedCommand, asc: 0x4b, ascq: 0x00 },
  internalTargetFailure: { key: SenseKey.abortedCommand, asc: 0x44, ascq: 0x00 },
  powerOnReset: { key: SenseKey.unitAttention, asc: 0x29, ascq: 0x00 },
  noAdditionalSense: { key: SenseKey.noSense, asc: 0x00, ascq: 0x00 },
} as const satisfies Record<string, Sense>;

export const FIXED_SENSE_BYTES = 18;

/** Fixed-format sense data, current error (response code 0x70; SPC-4 §4.5.3). */
export function fixedSense(sense: Sense): Buffer {
  const out = Buffer.alloc(FIXED_SENSE_BYTES);
  out[0] = 0x70;
  out[2] = sense.key & 0x0f;
  if (sense.information !== undefined && sense.information <= 0xffffffffn) {
    out[0] |= 0x80; // VALID: the INFORMATION field holds a value
    out.writeUInt32BE(Number(sense.information), 3);
  }
  out[7] = FIXED_SENSE_BYTES - 8;
  out[12] = sense.asc;
  out[13] = sense.ascq;
  return out;
}

/** With sense-key-specific bytes pointing at the CDB field at fault (SPC-4 §4.5.2.4.2), as test suites check. */
export function fieldPointerSense(sense: Sense, byte: number, bit?: number): Buffer {
  const out = fixedSense(sense);
  out[15] = 0x80 | 0x40 | (bit === undefined ? 0 : 0x08 | (bit & 7)); // SKSV, C/D = CDB, BPV when a bit is named
  out.writeUInt16BE(byte, 16);
  return out;
}
