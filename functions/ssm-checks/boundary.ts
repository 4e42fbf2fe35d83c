/**
 * What the CDK constructs know of the server checks: the checks (their scripts and parameters become SSM documents)
 * and the jobs they serve. The one module of functions/ssm-checks that lib/ imports.
 */
export { checksOf, SERVER_CHECK_IDS, SERVER_CHECKS, SERVER_JOBS, type ServerCheckId, type ServerJob } from './checks.js';

/** The module a deployment bundles, relative to the project root. */
export const SERVER_CHECKS_HANDLER = 'functions/ssm-checks/handler.ts';
