import { StoreFaultError } from '../../errors.js';

/** System errors a directory store cannot retry its way out of, and how to say them. */
const FAULTS: Readonly<Record<string, string>> = {
  ENOSPC: 'full: no space left on device',
  EDQUOT: 'over its disk quota',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path in it is not a directory',
  // Reads take a missing key as absent before asking here: this is a directory that cannot be made (under /proc).
  ENOENT: 'a directory in it cannot be created',
  EISDIR: 'a key is a directory',
  EFTYPE: 'a key is not a regular file (a pipe or a device)',
  EIO: 'I/O error',
  // A key's file mounted on its own (a read-only bind mount of the state file): it can be neither linked nor replaced.
  EXDEV: 'a key is a mount of its own and cannot be replaced',
  EBUSY: 'a key is busy (a mount point)',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

/**
 * The StoreFaultError for a file-system error of a directory store (one line: store, reason,
 * code, what it was doing), or the error itself when it is something else (a bug, say).
 */
export function storeFault(error: unknown, root: string, doing: string): unknown {
  if (error instanceof StoreFaultError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ? FAULTS[code] : undefined;
  if (!code || !reason) return error;
  return new StoreFaultError(`store ${root}: ${reason} (${code}) ${doing}`, code);
}
