import type { ServersConfig } from '../../core/config/schema.js';
import { CONTRACT_PARAMETER, checkScript, PATH_LIST_PATTERN } from '../server-check.js';

/** disk.sh: space and inode use of every local filesystem and of configured paths. */
export const DISK_SCRIPT = checkScript('disk', new URL('./disk.sh', import.meta.url), {
  description:
    'ops-autopilot disk check: space and inode use of every local filesystem and of configured paths. Prints one JSON line, then detail.',
  executionTimeoutSeconds: 120,
  parameters: [
    CONTRACT_PARAMETER,
    {
      name: 'paths',
      description: 'Absolute paths whose filesystems are checked besides every local one, ":"-separated.',
      allowedPattern: PATH_LIST_PATTERN,
      default: '',
    },
  ],
});

/** Where each parameter comes from in the config, for error messages. */
export const DISK_CONFIG_FIELDS: Readonly<Record<string, string>> = { paths: 'servers.disk.paths' };

export function diskParameters(servers: ServersConfig): Record<string, string> {
  return { contract: '1', paths: (servers.disk?.paths ?? []).join(':') };
}
