import { checkNameOf } from '../../core/config/fields.js';
import { defineProbedKind, lazyModule, observedNumber } from '../kind.js';
import { healthCheckSchema, validateHealthCheck } from './schema.js';

const probeModule = lazyModule(() => import('../../health/probes/http.js'));

/** HTTP(S) endpoints: `targets.<t>.health[]`, probed by functions/health/probes/http.ts. */
export const kind = defineProbedKind({
  name: 'http',
  configKey: 'health',
  label: 'HTTP',
  schema: healthCheckSchema,
  matrix: {
    /** No answer, timeout, TLS error, status/body/json mismatch. */
    availability: { critical: 'critical' },
    responseTime: { warning: 'medium', critical: 'high' },
    /** Certificate days left under the check's thresholds. */
    certificate: { warning: 'low', critical: 'high' },
  },
  failureRule: 'availability',
  checkName: (check) => checkNameOf(check),
  plan: (check) => ({ every: check.every, timeout: check.timeout }),
  validate: validateHealthCheck,
  async probe(check, { target, signal, ca }) {
    const { probeHttp } = await probeModule();
    return probeHttp(target, check, { signal, ca });
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
