import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** The code of the error below; BSD's name for "inappropriate file type". */
export const NOT_REGULAR_FILE = 'EFTYPE';

/**
 * Reads a whole file of a directory store, refusing anything but a regular file. A FIFO under a key blocks a plain
 * read until some writer comes (for ever), and a device such as /dev/zero behind a symbolic link never ends: opened
 * without blocking and checked first, each is an error with code EFTYPE instead of a hang.
 */
export async function readRegularFile(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      const code = info.isDirectory() ? 'EISDIR' : NOT_REGULAR_FILE;
      throw Object.assign(new Error(`${path} is not a regular file`), { code });
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
