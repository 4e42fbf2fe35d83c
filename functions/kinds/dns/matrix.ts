import { defineMatrix } from '../../core/kinds/contract.js';

/** The dns kind's rows of the default severity matrix; its probe judges by them, its kind.ts declares them. */
export const DNS_MATRIX = defineMatrix({
  resolve: {
    critical: 'high',
    description: 'no answer, NXDOMAIN, SERVFAIL, a refused or silent resolver (timeout), or an expected value missing',
  },
});

/** A row of the dns matrix. */
export type DnsRule = keyof typeof DNS_MATRIX;
