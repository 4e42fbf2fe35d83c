import { defineMatrix } from '../../core/kinds/contract.js';

/** The tcp kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const TCP_MATRIX = defineMatrix({
  /** No connection: refused, timed out, host not found, or the TLS handshake failed. */
  connect: { critical: 'high' },
  /** Certificate days left under the check's thresholds (with `tls`). */
  certificate: { warning: 'low', critical: 'high' },
});

/** A row of the tcp matrix. */
export type TcpRule = keyof typeof TCP_MATRIX;
