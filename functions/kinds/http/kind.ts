import { checkNameOf } from '../../core/config/fields.js';
import { redactDeep } from '../../core/redact.js';
import { resolveHeaders } from '../../core/secrets/headers.js';
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
