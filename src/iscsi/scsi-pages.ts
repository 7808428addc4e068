// What a block device reports about itself (SPC-4 §6.6 INQUIRY and §7.8 VPD pages, §7.5 mode pages, §6.33
// REPORT LUNS; SBC-3 §5.16 READ CAPACITY, §6.6 Block Limits, Block Device Characteristics and Logical Block
// Provisioning VPD pages): pure builders of the returned data, before the allocation length cuts them.

export interface LunInfo {
  readonly blockSize: number;
  readonly blocks: bigint;
  readonly readOnly: boolean;
  /** UNMAP and WRITE SAME with UNMAP free blocks (thin provisioning). */
  readonly thin: boolean;
  /** VPD 0x80, ASCII; also names the unit in the T10 vendor designator. */
  readonly serial: string;
  /** 60 bits that identify this unit, for the NAA locally assigned designator (VPD 0x83). */
  readonly naaId: bigint;
  /** The target's iSCSI name, for the SCSI name string designator of the target device. */
  readonly targetName: string;
}

/** Limits the device server enforces and reports in the Block Limits page. */
export const BLOCK_LIMITS = {
  /** Blocks per READ or WRITE: 32 MiB of 512-byte blocks, what one command may pin in memory. */
  maxTransferBlocks: 65_536,
  optimalTransferBlocks: 2_048,
  /** libiscsi's conformance suite calls more than 2^20 "insanely big". */
  maxUnmapBlocks: 1 << 20,
  maxUnmapDescriptors: 256,
  maxWriteSameBlocks: 1 << 22,
} as const;

const VENDOR = 'BRAMBLE ';
const PRODUCT = 'BRAMBLE DISK    ';
const REVISION = '0001';
export const SUPPORTED_VPD_PAGES = [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2] as const;

const ascii = (s: string, length: number): Buffer => Buffer.from(s.padEnd(length, ' ').slice(0, length), 'ascii');

export function standardInquiry(): Buffer {
  const out = Buffer.alloc(74);
  out[0] = 0x00; // peripheral qualifier 0, direct-access block device
  out[1] = 0x00; // not removable
  out[2] = 0x06; // SPC-4
  out[3] = 0x12; // HISUP, response data format 2
  out[4] = out.length - 5;
  out[7] = 0x02; // CMDQUE: commands are queued
  ascii(VENDOR, 8).copy(out, 8);
  ascii(PRODUCT, 16).copy(out, 16);
  ascii(REVISION, 4).copy(out, 32);
  // Version descriptors (SPC-4 Table 141): SAM-5, iSCSI, SPC-4, SBC-3.
  [0x00a0, 0x0960, 0x0460, 0x04c0].forEach((v, i) => out.writeUInt16BE(v, 58 + i * 2));
  return out;
}

/** A VPD page, or null for one this device does not have. */
export function vpdPage(page: number, lun: LunInfo): Buffer | null {
  switch (page) {
    case 0x00:
      return vpd(0x00, Buffer.from(SUPPORTED_VPD_PAGES));
    case 0x80:
      return vpd(0x80, Buffer.from(lun.serial, 'ascii'));
    case 0x83:
      return vpd(0x83, Buffer.concat(designators(lun)));
    case 0xb0:
      return vpd(0xb0, blockLimits(lun));
    case 0xb1: {
      const body = Buffer.alloc(0x3c);
      body.writeUInt16BE(0x0001, 0); // medium rotation rate: non-rotating
      return vpd(0xb1, body);
    }
    case 0xb2: {
      const body = Buffer.alloc(4);
      // LBPU (UNMAP), LBPWS and LBPWS10 (WRITE SAME with UNMAP) when thin; LBPRZ clear: unmapped blocks read
      // back as the golden image's (or zeros), not promised zeros.
      if (lun.thin) body[1] = 0x80 | 0x40 | 0x20;
      body[2] = lun.thin ? 0x02 : 0x00; // provisioning type: thin, or full
      return vpd(0xb2, body);
    }
    default:
      return null;
  }
}

function vpd(page: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[1] = page;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

function designator(codeSet: number, association: number, type: number, value: Buffer, protocol?: number): Buffer {
  const head = Buffer.alloc(4);
  head[0] = ((protocol ?? 0) << 4) | codeSet;
  head[1] = (protocol === undefined ? 0 : 0x80) | (association << 4) | type;
  head[3] = value.length;
  return Buffer.concat([head, value]);
}

const ISCSI_PROTOCOL = 0x5;

function designators(lun: LunInfo): Buffer[] {
  const naa = Buffer.alloc(8);
  // NAA 3: locally assigned, 60 bits of our own.
  naa.writeBigUInt64BE((3n << 60n) | (lun.naaId & 0x0fff_ffff_ffff_ffffn), 0);
  const t10 = Buffer.concat([ascii(VENDOR, 8), Buffer.from(lun.serial, 'ascii')]);
  // The SCSI name string is NUL-terminated and padded to a multiple of 4 (SPC-4 §7.8.6.11).
  const name = Buffer.from(lun.targetName, 'utf8');
  const nameField = Buffer.alloc((name.length + 4) & ~3);
  name.copy(nameField);
  const port = Buffer.alloc(4);
  port.writeUInt16BE(1, 2);
  return [
    designator(1, 0, 3, naa), // logical unit: NAA
    designator(2, 0, 1, t10), // logical unit: T10 vendor ID
    designator(1, 1, 4, port, ISCSI_PROTOCOL), // target port: relative target port 1
    designator(3, 2, 8, nameField, ISCSI_PROTOCOL), // target device: its iSCSI name
  ];
}

function blockLimits(lun: LunInfo): Buffer {
  const body = Buffer.alloc(0x3c);
  body[0] = 0x01; // WSNZ: WRITE SAME of zero blocks is an error
  body.writeUInt32BE(BLOCK_LIMITS.maxTransferBlocks, 4);
  body.writeUInt32BE(BLOCK_LIMITS.optimalTransferBlocks, 8);
  if (lun.thin) {
    body.writeUInt32BE(BLOCK_LIMITS.maxUnmapBlocks, 16);
    body.writeUInt32BE(BLOCK_LIMITS.maxUnmapDescriptors, 20);
    body.writeUInt32BE(1, 24); // optimal unmap granularity: any block
  }
  body.writeBigUInt64BE(BigInt(BLOCK_LIMITS.maxWriteSameBlocks), 32);
  return body;
}

export function readCapacity10(lun: LunInfo): Buffer {
  const out = Buffer.alloc(8);
  const last = lun.blocks - 1n;
  // Above 32 bits, 0xFFFFFFFF tells the initiator to ask READ CAPACITY (16).
  out.writeUInt32BE(last > 0xffffffffn ? 0xffffffff : Number(last), 0);
  out.writeUInt32BE(lun.blockSize, 4);
  return out;
}

export function readCapacity16(lun: LunInfo): Buffer {
  const out = Buffer.alloc(32);
  out.writeBigUInt64BE(lun.blocks - 1n, 0);
  out.writeUInt32BE(lun.blockSize, 8);
  if (lun.thin) out[14] = 0x80; // LBPME: logical block provisioning management enabled
  return out;
}

/** REPORT LUNS with one logical unit, LUN 0 (SPC-4 §6.33). */
export function reportLuns(): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32BE(8, 0);
  return out;
}

export type ModePages = { readonly ok: true; readonly data: Buffer } | { readonly ok: false; readonly reason: 'SAVED_NOT_SUPPORTED' | 'NO_SUCH_PAGE' };

const CACHING = 0x08;
const CONTROL = 0x0a;
const INFORMATIONAL_EXCEPTIONS = 0x1c;
const ALL_PAGES = 0x3f;

/**
 * MODE SENSE data: header, a block descriptor unless DBD, the pages asked for. pc: 0 current, 1 changeable,
 * 2 default, 3 saved (none kept).
 */
export function modeSense(lun: LunInfo, ask: { readonly ten: boolean; readonly dbd: boolean; readonly pc: number; readonly page: number; readonly subpage: number }): ModePages {
  if (ask.pc === 3) return { ok: false, reason: 'SAVED_NOT_SUPPORTED' };
  const changeable = ask.pc === 1;
  const pages: Buffer[] = [];
  const want = (p: number): boolean => ask.page === p || ask.page === ALL_PAGES;
  if (ask.subpage !== 0 && !(ask.page === ALL_PAGES && ask.subpage === 0xff)) return { ok: false, reason: 'NO_SUCH_PAGE' };
  if (want(CACHING)) {
    const p = Buffer.alloc(20);
    p[0] = CACHING;
    p[1] = 18;
    // WCE: writes are acknowledged from the page cache; FUA and SYNCHRONIZE CACHE make them durable.
    if (!changeable) p[2] = 0x04;
    pages.push(p);
  }
  if (want(CONTROL)) {
    const p = Buffer.alloc(12);
    p[0] = CONTROL;
    p[1] = 10;
    if (!changeable) {
      p[2] = 0x02; // GLTSD
      p[3] = 0x10; // queue algorithm modifier 1: unrestricted reordering
      p[5] = 0x40; // TAS: tasks another initiator's reset ends are answered TASK ABORTED
      p.writeUInt16BE(0xffff, 8); // busy timeout period: unlimited
    }
    pages.push(p);
  }
  if (want(INFORMATIONAL_EXCEPTIONS)) {
    const p = Buffer.alloc(12);
    p[0] = INFORMATIONAL_EXCEPTIONS;
    p[1] = 10;
    pages.push(p);
  }
  if (pages.length === 0) return { ok: false, reason: 'NO_SUCH_PAGE' };
  const descriptor = Buffer.alloc(ask.dbd ? 0 : 8);
  if (!ask.dbd) {
    // Short LBA block descriptor (SBC-3 §6.4.2): 4 bytes of block count (all ones when more), reserved, length.
    descriptor.writeUInt32BE(lun.blocks > 0xffffffffn ? 0xffffffff : Number(lun.blocks), 0);
    descriptor.writeUInt32BE(lun.blockSize & 0xffffff, 4);
  }
  const body = Buffer.concat([descriptor, ...pages]);
  // Device-specific parameter (SBC-3 §6.4.1): WP, and DPOFUA since READ and WRITE honour FUA.
  const wp = (lun.readOnly ? 0x80 : 0x00) | 0x10;
  if (ask.ten) {
    const head = Buffer.alloc(8);
    head.writeUInt16BE(6 + body.length, 0);
    head[3] = wp;
    head.writeUInt16BE(descriptor.length, 6);
    return { ok: true, data: Buffer.concat([head, body]) };
  }
  const head = Buffer.alloc(4);
  head[0] = 3 + body.length;
  head[2] = wp;
  head[3] = descriptor.length;
  return { ok: true, data: Buffer.concat([head, body]) };
}
