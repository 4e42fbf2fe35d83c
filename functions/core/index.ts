export { defineConfig } from './config/define.js';
export type { ConfigInput, Config } from './config/schema.js';
