import { defineMatrix } from '../../core/kinds/contract.js';

/** The http kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const HTTP_MATRIX = defineMatrix({
  /** No answer, timeout, TLS error, status/body/json mismatch. */
  availability: { critical: 'critical' },
  responseTime: { warning: 'medium', critical: 'high' },
  /** Certificate days left under the check's thresholds. */
  certificate: { warning: 'low', critical: 'high' },
});

/** A row of the http matrix. */
export type HttpRule = keyof typeof HTTP_MATRIX;
