import { serverCheck } from '../server-check.js';
import { DISK_CONFIG_FIELDS, DISK_SCRIPT, diskParameters } from './parameters.js';
import { addDiskFindings, diskOutput } from './parse.js';

/** The disk check: space and inode use against the target's `servers.disk` thresholds. */
export const disk = serverCheck({
  id: 'disk',
  job: 'disk',
  script: DISK_SCRIPT,
  parameters: diskParameters,
  configFields: DISK_CONFIG_FIELDS,
  output: diskOutput,
  addFindings: addDiskFindings,
});
