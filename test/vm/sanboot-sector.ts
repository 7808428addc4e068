// A golden image for the SAN boot test: a 512-byte x86 boot sector (hand-assembled 16-bit real mode, listed below)
// that reads LBA 1 through INT 13h extensions, prints it on COM1, copies it to LBA 2 with an extended write, and
// says so; with the firmware's drive being iPXE's SAN drive, both go over iSCSI to the machine's own disk.
//
// Loaded at 0000:7C00 (DS = ES = SS = 0), DL = the boot drive:
//   00 cli; xor ax,ax; mov ds,ax; mov es,ax; mov ss,ax; mov sp,7C00h; sti
//   0D mov [0500h],dl                       ; keep the drive number
//   11 mov si,DAP_READ; mov ah,42h; mov dl,[0500h]; int 13h; jnc +3; jmp FAIL
//   21 mov si,0600h; call PRINT             ; LBA 1 landed at 0000:0600
//   27 mov si,DAP_WRITE; mov ax,4300h; mov dl,[0500h]; int 13h; jnc +3; jmp FAIL
//   38 mov si,MSG_OK; call PRINT
//   3E HANG: hlt; jmp HANG
//   41 FAIL: mov si,MSG_FAIL; call PRINT; jmp HANG
//   49 PRINT: mov dx,3F8h; cld; .l: lodsb; test al,al; jz .d; out dx,al; jmp .l; .d: ret
// Data: MSG_OK at 100h, MSG_FAIL at 120h, DAP_READ at 160h (1 sector of LBA 1 to 0000:0600), DAP_WRITE at 170h
// (the same buffer to LBA 2); the boot signature 55AAh at 1FEh. Nothing touches the partition table at 1BEh.

export const SECTOR = 512;
const LOAD = 0x7c00;
const MSG_OK = 0x100;
const MSG_FAIL = 0x120;
const DAP_READ = 0x160;
const DAP_WRITE = 0x170;

export const SANBOOT_WROTE = 'BRAMBLE-SANBOOT-WROTE';
export const SANBOOT_FAILED = 'BRAMBLE-SANBOOT-FAILED';

const le16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];

function bootSector(): Buffer {
  const code = [
    0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0x7c, 0xfb,
    0x88, 0x16, 0x00, 0x05,
    0xbe, ...le16(LOAD + DAP_READ), 0xb4, 0x42, 0x8a, 0x16, 0x00, 0x05, 0xcd, 0x13, 0x73, 0x03, 0xe9, ...le16(0x41 - 0x21),
    0xbe, 0x00, 0x06, 0xe8, ...le16(0x49 - 0x27),
    0xbe, ...le16(LOAD + DAP_WRITE), 0xb8, 0x00, 0x43, 0x8a, 0x16, 0x00, 0x05, 0xcd, 0x13, 0x73, 0x03, 0xe9, ...le16(0x41 - 0x38),
    0xbe, ...le16(LOAD + MSG_OK), 0xe8, ...le16(0x49 - 0x3e),
    0xf4, 0xeb, 0xfd,
    0xbe, ...le16(LOAD + MSG_FAIL), 0xe8, ...le16(0x49 - 0x47), 0xeb, 0xf5,
    0xba, 0xf8, 0x03, 0xfc, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0xc3,
  ];
  if (code.length !== 0x56) throw new Error(`boot code is ${code.length} bytes, the listing says 0x56`);
  const sector = Buffer.alloc(SECTOR);
  Buffer.from(code).copy(sector, 0);
  sector.write(`\r\n${SANBOOT_WROTE}\r\n\0`, MSG_OK, 'latin1');
  sector.write(`\r\n${SANBOOT_FAILED}\r\n\0`, MSG_FAIL, 'latin1');
  const dap = (lba: number): Buffer => Buffer.from([0x10, 0, 1, 0, 0x00, 0x06, 0, 0, lba, 0, 0, 0, 0, 0, 0, 0]);
  dap(1).copy(sector, DAP_READ);
  dap(2).copy(sector, DAP_WRITE);
  sector[0x1fe] = 0x55;
  sector[0x1ff] = 0xaa;
  return sector;
}

/**
 * A 16 MiB disk image: the boot sector, then at LBA 1 the line it prints (naming `nonce`), the rest zeros. Not
 * smaller: iPXE gives a disk without partitions a geometry of 255 heads and 63 sectors per track and reads the
 * boot sector by C/H/S, so a disk under one cylinder (about 7.8 MiB) has no sector 0/0/1 and fails with EIO.
 */
export function sanbootImage(nonce: string): { readonly image: Buffer; readonly line: string } {
  const line = `BRAMBLE-SANBOOT-READ ${nonce}`;
  const image = Buffer.alloc(16 * 1024 * 1024);
  bootSector().copy(image, 0);
  image.write(`\r\n${line}\r\n\0`, SECTOR, 'latin1');
  return { image, line };
}
