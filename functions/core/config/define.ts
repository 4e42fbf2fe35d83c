import type { ConfigInput } from './schema.js';

/** Typed identity for `ops.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
