import { defineKind } from '../../core/kinds/contract.js';
import { RESOURCES_MATRIX } from './matrix.js';

/** Findings of the disk job's resources check: CPU, memory, swap and load per CPU of one server. */
export const kind = defineKind({
  name: 'resources',
  matrix: RESOURCES_MATRIX,
});
