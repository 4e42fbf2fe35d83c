import { defineProbedKind, lazyModule, observedNumber } from '../../core/kinds/contract.js';
import { TCP_MATRIX } from './matrix.js';
import { tcpCheckName, tcpCheckSchema, validateTcp } from './schema.js';

const probeModule = lazyModule(() => import('./probe.js'));

/** TCP ports (`targets.<t>.tcp[]`): connect, and with `tls` a verified handshake and the certificate's days left. */
export const kind = defineProbedKind({
  name: 'tcp',
  configKey: 'tcp',
  label: 'TCP',
  schema: tcpCheckSchema,
  matrix: TCP_MATRIX,
  failureRule: 'connect',
  checkName: tcpCheckName,
  plan: (check) => ({ every: check.every, timeout: check.timeout }),
  async probe(check, { target, signal, ca }) {
    const { probeTcp } = await probeModule();
    return probeTcp(target, check, { signal, ca });
  },
  validate: validateTcp,
  /** Per check that connected: the time to an open connection (plus the handshake with `tls`), beside HTTP's response times. */
  dashboardValues: (finding) => ({ responseTimeMs: observedNumber(finding, 'responseTimeMs') }),
  // Route 53 health checks do TCP connects too, but no TLS handshake or certificate check.
  cost: () => ({ route53: 'tcp', https: false, stringMatch: false, latency: false }),
});
