import { defineMatrix } from '../../core/kinds/contract.js';

/** The http kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const HTTP_MATRIX = defineMatrix({
  availability: { critical: 'critical', description: 'no answer, timeout, TLS error, redirect loop, status/body/json mismatch' },
  responseTime: { warning: 'medium', critical: 'high', description: "response time over the check's threshold" },
  certificate: { warning: 'low', critical: 'high', description: "certificate days left under the check's threshold" },
});

/** A row of the http matrix. */
export type HttpRule = keyof typeof HTTP_MATRIX;
