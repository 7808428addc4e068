// Whether an ELF64 executable is statically linked, i.e. has no PT_INTERP program header (System V gABI,
// "Program Header"): the initramfs has no libc, so a dynamic busybox would die as init with ENOENT.

const PT_INTERP = 3;

export function isStaticElf64(image: Uint8Array): boolean {
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return false; // "\x7fELF"
  if (buf[4] !== 2 || buf[5] !== 1) return false; // ELFCLASS64, little-endian
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i += 1) {
    const at = phoff + i * phentsize;
    if (at + 4 > buf.length) return false;
    if (buf.readUInt32LE(at) === PT_INTERP) return false;
  }
  return true;
}
