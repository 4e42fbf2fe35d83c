import { defineProbedKind, lazyModule, observedNumber } from '../../core/kinds/contract.js';
import { DNS_MATRIX } from './matrix.js';
import { dnsCheckName, dnsCheckSchema } from './schema.js';

const probeModule = lazyModule(() => import('./probe.js'));

/** DNS names (`targets.<t>.dns[]`): resolve one record type, of the check's resolver or the system's, and expect values. */
export const kind = defineProbedKind({
  name: 'dns',
  configKey: 'dns',
  label: 'DNS',
  schema: dnsCheckSchema,
  matrix: DNS_MATRIX,
  failureRule: 'resolve',
  checkName: dnsCheckName,
  plan: (check) => ({ every: check.every, timeout: check.timeout }),
  async probe(check, { target, signal }) {
    const { probeDns } = await probeModule();
    return probeDns(target, check, { signal });
  },
  /** Per check that was answered: the time to the answer, beside HTTP's and TCP's response times. */
  dashboardValues: (finding) => ({ responseTimeMs: observedNumber(finding, 'responseTimeMs') }),
  // Route 53 health checks open HTTP(S) or TCP connections; none asks a resolver for a record. Synthetics can.
  cost: () => ({ route53: null, https: false, stringMatch: false, latency: false }),
});
