import { defineKind } from '../../core/kinds/contract.js';

/** A server the disk or security job could not reach through SSM (offline, not managed, timed out). */
export const kind = defineKind({
  name: 'server',
  matrix: {
    unreachable: { critical: 'high', description: 'a server unreachable through SSM: offline, not managed, timed out' },
  },
});
