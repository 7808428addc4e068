// SCSI command descriptor blocks of a direct-access block device (SBC-3 §5, SPC-4 §6), decoded into commands
// with every field the device server checks: pure. Fields this device does not support (protection information,
// saved mode pages, ...) are refused with ILLEGAL REQUEST / INVALID FIELD IN CDB and a pointer to the field.
import { fieldPointerSense, fixedSense, Senses } from './scsi-sense.js';

export const ScsiOp = {
  testUnitReady: 0x00,
  requestSense: 0x03,
  read6: 0x08,
  write6: 0x0a,
  inquiry: 0x12,
  modeSelect6: 0x15,
  modeSense6: 0x1a,
  startStopUnit: 0x1b,
  preventAllow: 0x1e,
  readCapacity10: 0x25,
  read10: 0x28,
  write10: 0x2a,
  verify10: 0x2f,
  synchronizeCache10: 0x35,
  writeSame10: 0x41,
  unmap: 0x42,
  modeSense10: 0x5a,
  read16: 0x88,
  write16: 0x8a,
  verify16: 0x8f,
  synchronizeCache16: 0x91,
  writeSame16: 0x93,
  serviceActionIn16: 0x9e,
  reportLuns: 0xa0,
  maintenanceIn: 0xa3,
  read12: 0xa8,
  write12: 0xaa,
  verify12: 0xaf,
} as const;

/** READ CAPACITY (16) is service action 0x10 of SERVICE ACTION IN (16); REPORT SUPPORTED OPCODES 0x0c of MAINTENANCE IN. */
const SA_READ_CAPACITY_16 = 0x10;
const SA_REPORT_SUPPORTED_OPCODES = 0x0c;

export type BlockCommand =
  | { readonly op: 'testUnitReady' }
  | { readonly op: 'requestSense'; readonly descriptor: boolean; readonly allocation: number }
  | { readonly op: 'inquiry'; readonly evpd: boolean; readonly page: number; readonly allocation: number }
  | { readonly op: 'modeSense'; readonly ten: boolean; readonly dbd: boolean; readonly pc: number; readonly page: number; readonly subpage: number; readonly allocation: number }
  | { readonly op: 'startStopUnit' }
  | { readonly op: 'preventAllow' }
  | { readonly op: 'readCapacity10' }
  | { readonly op: 'readCapacity16'; readonly allocation: number }
  | { readonly op: 'reportLuns'; readonly allocation: number }
  | { readonly op: 'reportSupportedOpcodes'; readonly allocation: number; readonly options: number; readonly opcode: number; readonly serviceAction: number; readonly rctd: boolean }
  | { readonly op: 'read'; readonly lba: bigint; readonly blocks: number; readonly fua: boolean }
  | { readonly op: 'write'; readonly lba: bigint; readonly blocks: number; readonly fua: boolean }
  /** bytchk 0: media only; 1: compare `blocks` blocks sent; 3: compare every block with one block sent. */
  | { readonly op: 'verify'; readonly lba: bigint; readonly blocks: number; readonly bytchk: 0 | 1 | 3 }
  | { readonly op: 'writeSame'; readonly lba: bigint; readonly blocks: number; readonly unmap: boolean; readonly ndob: boolean }
  | { readonly op: 'unmap'; readonly parameterLength: number }
  | { readonly op: 'synchronizeCache'; readonly lba: bigint; readonly blocks: number };

export type CdbDecode = { readonly ok: true; readonly command: BlockCommand } | { readonly ok: false; readonly sense: Buffer };

const invalidField = (byte: number, bit?: number): CdbDecode => ({ ok: false, sense: fieldPointerSense(Senses.invalidFieldInCdb, byte, bit) });

/** A nonzero RDPROTECT/WRPROTECT/VRPROTECT (byte 1, bits 7-5) asks for protection information this device has none of. */
const protectField = (cdb: Buffer): CdbDecode | null => ((cdb[1]! & 0xe0) !== 0 ? invalidField(1, 7) : null);

export function decodeCdb(cdb: Buffer): CdbDecode {
  const op = cdb[0]!;
  const ok = (command: BlockCommand): CdbDecode => ({ ok: true, command });
  switch (op) {
    case ScsiOp.testUnitReady:
      return ok({ op: 'testUnitReady' });
    case ScsiOp.requestSense:
      return ok({ op: 'requestSense', descriptor: (cdb[1]! & 1) !== 0, allocation: cdb[4]! });
    case ScsiOp.inquiry: {
      const evpd = (cdb[1]! & 1) !== 0;
      if ((cdb[1]! & 2) !== 0) return invalidField(1, 1); // CMDDT is obsolete: set, it is an error
      if (!evpd && cdb[2] !== 0) return invalidField(2);
      return ok({ op: 'inquiry', evpd, page: cdb[2]!, allocation: cdb.readUInt16BE(3) });
    }
    case ScsiOp.modeSense6:
    case ScsiOp.modeSense10: {
      const ten = op === ScsiOp.modeSense10;
      return ok({
        op: 'modeSense',
        ten,
        dbd: (cdb[1]! & 0x08) !== 0,
        pc: cdb[2]! >> 6,
        page: cdb[2]! & 0x3f,
        subpage: cdb[3]!,
        allocation: ten ? cdb.readUInt16BE(7) : cdb[4]!,
      });
    }
    case ScsiOp.startStopUnit:
      return ok({ op: 'startStopUnit' });
    case ScsiOp.preventAllow:
      return ok({ op: 'preventAllow' });
    case ScsiOp.readCapacity10:
      // PMI is obsolete (SBC-3): with it clear, the LBA field must be zero.
      if ((cdb[8]! & 1) === 0 && cdb.readUInt32BE(2) !== 0) return invalidField(2);
      return ok({ op: 'readCapacity10' });
    case ScsiOp.serviceActionIn16:
      if ((cdb[1]! & 0x1f) !== SA_READ_CAPACITY_16) return invalidField(1, 4);
      return ok({ op: 'readCapacity16', allocation: cdb.readUInt32BE(10) });
    case ScsiOp.maintenanceIn:
      if ((cdb[1]! & 0x1f) !== SA_REPORT_SUPPORTED_OPCODES) return invalidField(1, 4);
      return ok({
        op: 'reportSupportedOpcodes',
        rctd: (cdb[2]! & 0x80) !== 0,
        options: cdb[2]! & 7,
        opcode: cdb[3]!,
        serviceAction: cdb.readUInt16BE(4),
        allocation: cdb.readUInt32BE(6),
      });
    case ScsiOp.reportLuns:
      // SPC-4 §6.33: an allocation length below 16 is an error (it cannot hold the header and one LUN).
      if (cdb.readUInt32BE(6) < 16) return invalidField(6);
      if (cdb[2]! > 2) return invalidField(2);
      return ok({ op: 'reportLuns', allocation: cdb.readUInt32BE(6) });
    case ScsiOp.read6:
    case ScsiOp.write6: {
      // READ (6)/WRITE (6): 21-bit LBA, and a length of 0 means 256 blocks (SBC-3 §5.15).
      const lba = BigInt(((cdb[1]! & 0x1f) << 16) | cdb.readUInt16BE(2));
      const blocks = cdb[4] === 0 ? 256 : cdb[4]!;
      return ok({ op: op === ScsiOp.read6 ? 'read' : 'write', lba, blocks, fua: false });
    }
    case ScsiOp.read10:
    case ScsiOp.write10:
      return protectField(cdb) ?? ok({ op: op === ScsiOp.read10 ? 'read' : 'write', lba: BigInt(cdb.readUInt32BE(2)), blocks: cdb.readUInt16BE(7), fua: (cdb[1]! & 0x08) !== 0 });
    case ScsiOp.read12:
    case ScsiOp.write12:
      return protectField(cdb) ?? ok({ op: op === ScsiOp.read12 ? 'read' : 'write', lba: BigInt(cdb.readUInt32BE(2)), blocks: cdb.readUInt32BE(6), fua: (cdb[1]! & 0x08) !== 0 });
    case ScsiOp.read16:
    case ScsiOp.write16:
      return protectField(cdb) ?? ok({ op: op === ScsiOp.read16 ? 'read' : 'write', lba: cdb.readBigUInt64BE(2), blocks: cdb.readUInt32BE(10), fua: (cdb[1]! & 0x08) !== 0 });
    case ScsiOp.verify10:
    case ScsiOp.verify12:
    case ScsiOp.verify16: {
      const bad = protectField(cdb);
      if (bad !== null) return bad;
      const bytchk = (cdb[1]! >> 1) & 3;
      if (bytchk === 2) return invalidField(1, 2);
      const lba = op === ScsiOp.verify16 ? cdb.readBigUInt64BE(2) : BigInt(cdb.readUInt32BE(2));
      const blocks = op === ScsiOp.verify10 ? cdb.readUInt16BE(7) : op === ScsiOp.verify12 ? cdb.readUInt32BE(6) : cdb.readUInt32BE(10);
      return ok({ op: 'verify', lba, blocks, bytchk: bytchk as 0 | 1 | 3 });
    }
    case ScsiOp.writeSame10:
    case ScsiOp.writeSame16: {
      const bad = protectField(cdb);
      if (bad !== null) return bad;
      const sixteen = op === ScsiOp.writeSame16;
      // ANCHOR is not supported (no anchored state); NDOB only in the 16-byte form.
      if ((cdb[1]! & 0x10) !== 0) return invalidField(1, 4);
      if ((cdb[1]! & 0x06) !== 0) return invalidField(1, 2); // obsolete PBDATA/LBDATA
      const ndob = sixteen && (cdb[1]! & 1) !== 0;
      const lba = sixteen ? cdb.readBigUInt64BE(2) : BigInt(cdb.readUInt32BE(2));
      const blocks = sixteen ? cdb.readUInt32BE(10) : cdb.readUInt16BE(7);
      // WSNZ is set in the Block Limits page: zero blocks does not mean "to the end".
      if (blocks === 0) return invalidField(sixteen ? 10 : 7);
      return ok({ op: 'writeSame', lba, blocks, unmap: (cdb[1]! & 0x08) !== 0, ndob });
    }
    case ScsiOp.unmap:
      if ((cdb[1]! & 1) !== 0) return invalidField(1, 0); // ANCHOR
      return ok({ op: 'unmap', parameterLength: cdb.readUInt16BE(7) });
    case ScsiOp.synchronizeCache10:
      return ok({ op: 'synchronizeCache', lba: BigInt(cdb.readUInt32BE(2)), blocks: cdb.readUInt16BE(7) });
    case ScsiOp.synchronizeCache16:
      return ok({ op: 'synchronizeCache', lba: cdb.readBigUInt64BE(2), blocks: cdb.readUInt32BE(10) });
    default:
      return { ok: false, sense: fixedSense(Senses.invalidOpcode) };
  }
}

/** Bytes of Data-Out a command takes, given the block size: what R2Ts ask for. */
export function dataOutBytes(command: BlockCommand, blockSize: number): number {
  switch (command.op) {
    case 'write':
      return command.blocks * blockSize;
    case 'verify':
      return command.bytchk === 1 ? command.blocks * blockSize : command.bytchk === 3 ? blockSize : 0;
    case 'writeSame':
      return command.ndob ? 0 : blockSize;
    case 'unmap':
      return command.parameterLength;
    default:
      return 0;
  }
}
