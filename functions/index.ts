/**
 * What a config file imports: `import { defineConfig } from '<path to ops-autopilot>/functions/index.js'`
 * (the starter config `autopilot init` writes says the path).
 */
export { type Config, type ConfigInput, defineConfig } from './kinds/config.js';
