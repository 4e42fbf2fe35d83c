import { serverCheck } from '../server-check.js';
import { SECURITY_CONFIG_FIELDS, SECURITY_SCRIPT, securityParameters } from './parameters.js';
import { addSecurityFindings, securityOutput } from './parse.js';

/** The security check: logins, log patterns, sshd, UID 0, ports, updates, .env files. */
export const security = serverCheck({
  id: 'security',
  job: 'security',
  script: SECURITY_SCRIPT,
  parameters: securityParameters,
  configFields: SECURITY_CONFIG_FIELDS,
  output: securityOutput,
  addFindings: addSecurityFindings,
});
