import type { DoctorCheck } from '../report.js';
import { bootstrap, testEventRegistry } from './account.js';
import { vpc } from './network.js';
import { iamDatabases, secretsExist } from './secrets.js';
import { managedInstances } from './servers.js';
import { chatWorkspaces, confirmations, placeholders, smsSandbox } from './subscribers.js';

/**
 * The doctor's checks, in the order they print: the account, then what the config needs of it. A new check is one
 * function in this folder and one line here.
 */
export const DOCTOR_CHECKS: ReadonlyArray<readonly [name: string, check: DoctorCheck]> = [
  ['bootstrap', bootstrap],
  ['test events', testEventRegistry],
  ['subscribers', placeholders],
  ['sms', smsSandbox],
  ['confirmations', confirmations],
  ['chat', chatWorkspaces],
  ['servers', managedInstances],
  ['vpc', vpc],
  ['secrets', secretsExist],
  ['iam auth', iamDatabases],
];
