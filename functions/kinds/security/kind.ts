import { defineKind } from '../../core/kinds/contract.js';

/** Findings of the security job. */
export const kind = defineKind({
  name: 'security',
  matrix: {
    count: { warning: 'medium', critical: 'high', description: 'failed SSH logins, or lines of a log pattern, counted in the window' },
    config: {
      warning: 'medium',
      description: 'risky sshd setting, UID 0 account besides root, port not allowed, pending security updates, world-readable .env',
    },
  },
});
