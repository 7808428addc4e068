// What the iSCSI disk and image operations refuse, with the input field at fault: the API turns the code into an
// HTTP status and the message into its problem body.

export class IscsiDiskError extends Error {
  constructor(
    readonly code: 'INVALID' | 'NOT_FOUND' | 'EXISTS' | 'NO_IMAGE' | 'NO_FOLDER' | 'MKFS_FAILED',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'IscsiDiskError';
  }
}
