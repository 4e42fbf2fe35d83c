import { defineMatrix } from '../../core/kinds/contract.js';

/** The tcp kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const TCP_MATRIX = defineMatrix({
  connect: { critical: 'high', description: 'no connection (refused, timed out, host not found), or a failed TLS handshake' },
  certificate: { warning: 'low', critical: 'high', description: "with `tls`: certificate days left under the check's threshold" },
});

/** A row of the tcp matrix. */
export type TcpRule = keyof typeof TCP_MATRIX;
