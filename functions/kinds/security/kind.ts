import { defineKind } from '../../core/kinds/contract.js';

/** Findings of the security job. */
export const kind = defineKind({
  name: 'security',
  matrix: {
    /** Failed logins or a log pattern counted in the window. */
    count: { warning: 'medium', critical: 'high' },
    /** A risky sshd setting, pending security updates, a port not allowed. */
    config: { warning: 'medium' },
  },
});
