// What the iSCSI target serves as a logical unit: a block device of fixed-size blocks (SBC-3 §4.4), whichever
// store is behind it (a raw image file, a machine's copy-on-write disk over a golden image).

export interface Disk {
  readonly blockSize: number;
  readonly blocks: bigint;
  readonly readOnly: boolean;
  /** Unmapping frees space (and UNMAP is offered); false: the disk has every block allocated. */
  readonly thin: boolean;
  read(lba: bigint, blocks: number): Promise<Buffer>;
  /** `data` is whole blocks. With `fua`, on stable storage before this resolves. */
  write(lba: bigint, data: Buffer, fua: boolean): Promise<void>;
  /** Everything written before is on stable storage when this resolves (SYNCHRONIZE CACHE). */
  flush(): Promise<void>;
  /** The blocks' contents become undefined and their space may be freed; only called on a thin disk. */
  unmap(lba: bigint, blocks: number): Promise<void>;
  close(): Promise<void>;
}
