// The device server of one logical unit (SBC-3, SPC-4): runs decoded commands against a Disk and answers with
// SCSI status, sense data and the data-in bytes. Transport-free: the iSCSI connection moves the bytes.
import type { Disk } from './disk.js';
import { dataOutBytes, decodeCdb, type BlockCommand } from './scsi-cdb.js';
import { BLOCK_LIMITS, modeSense, readCapacity10, readCapacity16, reportLuns, standardInquiry, vpdPage, type LunInfo } from './scsi-pages.js';
import { fieldPointerSense, fixedSense, ScsiStatus, Senses, type Sense } from './scsi-sense.js';

export interface ScsiResult {
  readonly status: number;
  /** Fixed-format sense data with CHECK CONDITION. */
  readonly sense?: Buffer;
  /** Data-in, already cut to the command's allocation length. */
  readonly data?: Buffer;
}

/** What a command needs before it can run: how many bytes of Data-Out, or the error it fails with at once. */
export type Prepared =
  | { readonly ok: true; readonly command: BlockCommand; readonly dataOut: number }
  | { readonly ok: false; readonly result: ScsiResult };

const GOOD: ScsiResult = { status: ScsiStatus.good };
const check = (sense: Buffer): ScsiResult => ({ status: ScsiStatus.checkCondition, sense });
const fail = (sense: Sense): ScsiResult => check(fixedSense(sense));
const dataIn = (data: Buffer, allocation: number): ScsiResult => ({ status: ScsiStatus.good, data: data.length > allocation ? data.subarray(0, allocation) : data });

export interface BlockDevice {
  readonly info: LunInfo;
  /** Decodes and checks a CDB (opcode, fields, LBA range, write protection) before any data moves. */
  prepare(cdb: Buffer): Prepared;
  /** Runs a prepared command; `data` is its Data-Out (dataOut bytes), when it has some. */
  run(command: BlockCommand, data: Buffer | null): Promise<ScsiResult>;
}

export function blockDevice(disk: Disk, identity: { readonly serial: string; readonly naaId: bigint; readonly targetName: string }): BlockDevice {
  const info: LunInfo = { blockSize: disk.blockSize, blocks: disk.blocks, readOnly: disk.readOnly, thin: disk.thin, ...identity };
  const inRange = (lba: bigint, blocks: number): boolean => lba + BigInt(blocks) <= disk.blocks;

  const prepare = (cdb: Buffer): Prepared => {
    const decoded = decodeCdb(cdb);
    if (!decoded.ok) return { ok: false, result: check(decoded.sense) };
    const command = decoded.command;
    const bad = checkCommand(command, info, lengthField(cdb[0]!));
    if (bad !== null) return { ok: false, result: bad };
    return { ok: true, command, dataOut: dataOutBytes(command, disk.blockSize) };
  };

  const run = async (command: BlockCommand, data: Buffer | null): Promise<ScsiResult> => {
    switch (command.op) {
      case 'testUnitReady':
      case 'startStopUnit':
      case 'preventAllow':
        return GOOD;
      case 'requestSense': {
        // Nothing is pending between commands: NO SENSE (SPC-4 §6.39), in the format asked.
        const sense = command.descriptor ? descriptorNoSense() : fixedSense(Senses.noAdditionalSense);
        return dataIn(sense, command.allocation);
      }
      case 'inquiry': {
        if (!command.evpd) return dataIn(standardInquiry(), command.allocation);
        const page = vpdPage(command.page, info);
        return page === null ? check(fieldPointerSense(Senses.invalidFieldInCdb, 2)) : dataIn(page, command.allocation);
      }
      case 'modeSense': {
        const pages = modeSense(info, command);
        if (pages.ok) return dataIn(pages.data, command.allocation);
        return pages.reason === 'SAVED_NOT_SUPPORTED' ? fail(Senses.savingParametersNotSupported) : check(fieldPointerSense(Senses.invalidFieldInCdb, 2, 5));
      }
      case 'readCapacity10':
        return dataIn(readCapacity10(info), 8);
      case 'readCapacity16':
        return dataIn(readCapacity16(info), command.allocation);
      case 'reportLuns':
        return dataIn(reportLuns(), command.allocation);
      case 'reportSupportedOpcodes':
        return check(fieldPointerSense(Senses.invalidFieldInCdb, 1, 4));
      case 'read':
        if (command.blocks === 0) return GOOD;
        return ioResult(() => disk.read(command.lba, command.blocks), Senses.unrecoveredReadError);
      case 'write':
        if (command.blocks === 0) return GOOD;
        return ioResult(async () => {
          await disk.write(command.lba, data!, command.fua);
          return null;
        }, Senses.writeError);
      case 'verify':
        return verify(disk, command, data);
      case 'writeSame':
        return writeSame(disk, command, data);
      case 'unmap':
        return unmap(disk, data ?? Buffer.alloc(0), inRange);
      case 'synchronizeCache':
        return ioResult(async () => {
          await disk.flush();
          return null;
        }, Senses.writeError);
    }
  };

  return { info, prepare, run };
}

/**
 * Where a CDB keeps its transfer length, by opcode group (SBC-3 §4.2.2 CDB formats): 6-byte commands at byte 4,
 * 10-byte at 7, 16-byte at 10, 12-byte at 6. Sense data points there when the length is the fault.
 */
function lengthField(opcode: number): number {
  const group = opcode >> 5;
  return group === 0 ? 4 : group === 4 ? 10 : group === 5 ? 6 : 7;
}

/** Range, size and write-protection checks that fail a command before its data is asked for. */
function checkCommand(command: BlockCommand, info: LunInfo, lengthAt: number): ScsiResult | null {
  switch (command.op) {
    case 'read':
    case 'write':
    case 'verify':
    case 'writeSame':
    case 'synchronizeCache': {
      if (command.lba + BigInt(command.blocks) > info.blocks) return fail({ ...Senses.lbaOutOfRange, information: command.lba });
      const limit = command.op === 'writeSame' ? BLOCK_LIMITS.maxWriteSameBlocks : command.op === 'synchronizeCache' ? Infinity : BLOCK_LIMITS.maxTransferBlocks;
      if (command.blocks > limit && !(command.op === 'verify' && command.bytchk === 0)) return check(fieldPointerSense(Senses.invalidFieldInCdb, lengthAt));
      if ((command.op === 'write' || command.op === 'writeSame') && info.readOnly) return fail(Senses.writeProtected);
      if (command.op === 'writeSame' && command.unmap && !info.thin) return check(fieldPointerSense(Senses.invalidFieldInCdb, 1, 3));
      return null;
    }
    case 'unmap':
      if (!info.thin) return fail(Senses.invalidOpcode);
      if (info.readOnly) return fail(Senses.writeProtected);
      return null;
    default:
      return null;
  }
}

async function ioResult(io: () => Promise<Buffer | null>, onError: Sense): Promise<ScsiResult> {
  try {
    const data = await io();
    return data === null ? GOOD : { status: ScsiStatus.good, data };
  } catch {
    return fail(onError);
  }
}

function descriptorNoSense(): Buffer {
  const out = Buffer.alloc(8);
  out[0] = 0x72;
  return out;
}

async function verify(disk: Disk, command: Extract<BlockCommand, { op: 'verify' }>, data: Buffer | null): Promise<ScsiResult> {
  if (command.blocks === 0) return GOOD;
  let stored: Buffer;
  try {
    stored = await disk.read(command.lba, command.blocks);
  } catch {
    return fail(Senses.unrecoveredReadError);
  }
  if (command.bytchk === 0 || data === null) return GOOD;
  const size = disk.blockSize;
  for (let b = 0; b < command.blocks; b++) {
    const expected = command.bytchk === 1 ? data.subarray(b * size, (b + 1) * size) : data;
    if (!stored.subarray(b * size, (b + 1) * size).equals(expected)) return fail({ ...Senses.miscompareDuringVerify, information: command.lba + BigInt(b) });
  }
  return GOOD;
}

async function writeSame(disk: Disk, command: Extract<BlockCommand, { op: 'writeSame' }>, data: Buffer | null): Promise<ScsiResult> {
  const size = disk.blockSize;
  const block = command.ndob ? Buffer.alloc(size) : data!;
  try {
    // UNMAP with a block of zeros may free the blocks instead (SBC-3 §5.42), which reads back alike on a thin disk.
    if (command.unmap && disk.thin && block.every((b) => b === 0)) {
      await disk.unmap(command.lba, command.blocks);
      return GOOD;
    }
    const chunkBlocks = Math.min(command.blocks, 2048);
    const chunk = Buffer.allocUnsafe(chunkBlocks * size);
    for (let b = 0; b < chunkBlocks; b++) block.copy(chunk, b * size);
    for (let done = 0; done < command.blocks; done += chunkBlocks) {
      const n = Math.min(chunkBlocks, command.blocks - done);
      await disk.write(command.lba + BigInt(done), chunk.subarray(0, n * size), false);
    }
    return GOOD;
  } catch {
    return fail(Senses.writeError);
  }
}

/** UNMAP parameter list (SBC-3 §5.28.2): 8-byte header, then 16-byte descriptors of LBA and block count. */
async function unmap(disk: Disk, list: Buffer, inRange: (lba: bigint, blocks: number) => boolean): Promise<ScsiResult> {
  if (list.length === 0) return GOOD;
  if (list.length < 8) return fail(Senses.parameterListLengthError);
  const descriptorBytes = list.readUInt16BE(2);
  if (descriptorBytes % 16 !== 0 || 8 + descriptorBytes > list.length) return fail(Senses.parameterListLengthError);
  const ranges: Array<[bigint, number]> = [];
  for (let at = 8; at < 8 + descriptorBytes; at += 16) ranges.push([list.readBigUInt64BE(at), list.readUInt32BE(at + 8)]);
  if (ranges.length > BLOCK_LIMITS.maxUnmapDescriptors) return fail(Senses.invalidFieldInParameterList);
  for (const [lba, blocks] of ranges) {
    if (!inRange(lba, blocks)) return fail({ ...Senses.lbaOutOfRange, information: lba });
    if (blocks > BLOCK_LIMITS.maxUnmapBlocks) return fail(Senses.invalidFieldInParameterList);
  }
  try {
    for (const [lba, blocks] of ranges) if (blocks > 0) await disk.unmap(lba, blocks);
    return GOOD;
  } catch {
    return fail(Senses.writeError);
  }
}
