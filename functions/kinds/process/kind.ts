import { defineKind } from '../../core/kinds/contract.js';
import { PROCESS_MATRIX } from './matrix.js';

/** Findings of the disk job's resources check about one configured process, systemd unit or PM2 app of one server. */
export const kind = defineKind({
  name: 'process',
  matrix: PROCESS_MATRIX,
});
