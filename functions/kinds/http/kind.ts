import { checkNameOf } from '../../core/config/fields.js';
import { defineProbedKind, lazyModule, observedNumber } from '../../core/kinds/contract.js';
import { redactDeep } from '../../core/text/redact.js';
import { resolveHeaders } from './headers.js';
import { HTTP_MATRIX } from './matrix.js';
import { healthCheckSchema, httpDeploymentSecretIssues, validateHealthCheck } from './schema.js';

const probeModule = lazyModule(() => import('./probe.js'));

/** HTTP(S) endpoints: `targets.<t>.health[]`, probed by ./probe.ts. */
export const kind = defineProbedKind({
  name: 'http',
  configKey: 'health',
  label: 'HTTP',
  schema: healthCheckSchema,
  matrix: HTTP_MATRIX,
  failureRule: 'availability',
  checkName: (check) => checkNameOf(check),
  plan: (check) => ({ every: check.every, timeout: check.timeout }),
  validate: validateHealthCheck,
  deploymentSecretIssues: httpDeploymentSecretIssues,
  async probe(check, { target, signal, ca, secrets }) {
    const { probeHttp } = await probeModule();
    if (!check.headers) return probeHttp(target, check, { signal, ca });
    // Header values named by reference are read first; a value read never reaches the finding.
    const resolved = await resolveHeaders(check.headers, secrets);
    return redactDeep(await probeHttp(target, { ...check, headers: resolved.headers }, { signal, ca }), resolved.secrets);
  },
  /** Time to the response headers, for each check that got an answer. */
  dashboardValues: (finding) => ({ responseTimeMs: observedNumber(finding, 'responseTimeMs') }),
  cost: (check) => ({
    route53: 'http',
    https: new URL(check.url).protocol === 'https:',
    stringMatch: Boolean(check.expect?.bodyContains || check.expect?.json),
    latency: Boolean(check.responseTime),
  }),
});
