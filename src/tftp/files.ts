// What the TFTP server reads from (RFC 1350 read requests): a seam the product plugs its files into.

export interface TftpClient {
  readonly address: string;
  readonly port: number;
}

/** A file opened for one transfer; read with positional reads so that no transfer buffers a whole file. */
export interface TftpFile {
  readonly size: number;
  /**
   * An OS descriptor of a regular file holding exactly these bytes, for the native data pump's pread(2); valid
   * until close(). Absent for files that exist only in memory or are converted on the fly.
   */
  readonly fd?: number;
  /** The whole content, when the file is a buffer in memory (generated per client). */
  readonly bytes?: Buffer;
  /** Fills `into` from `position` on; resolves with the bytes read, fewer only at the end of the file. */
  read(into: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

export type TftpOpenResult =
  | { readonly ok: true; readonly file: TftpFile }
  | { readonly ok: false; readonly code: 'not-found' | 'access-denied'; readonly message?: string };

export interface TftpFiles {
  /** `path` is the request's filename as the client sent it (slashes or backslashes, any case). */
  open(path: string, client: TftpClient): Promise<TftpOpenResult>;
}
