/**
 * The check kinds: one line each, `export { kind as <name> } from './<name>/kind.js'`.
 * Everything that lists kinds reads them through catalog.ts, which orders them by name.
 */
export { kind as backup } from './backup/kind.js';
export { kind as disk } from './disk/kind.js';
export { kind as dns } from './dns/kind.js';
export { kind as http } from './http/kind.js';
export { kind as postgres } from './postgres/kind.js';
export { kind as process } from './process/kind.js';
export { kind as resources } from './resources/kind.js';
export { kind as security } from './security/kind.js';
export { kind as server } from './server/kind.js';
export { kind as tcp } from './tcp/kind.js';
