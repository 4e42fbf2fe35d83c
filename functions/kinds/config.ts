import type { z } from 'zod';
import { buildConfigSchema, buildTargetSchema } from '../core/config/schema.js';
import { loadConfigFileWith } from '../core/config/load.js';
import { type ValidateOptions, validateConfigWith } from '../core/config/validate.js';
import { PROBED_KIND_LIST, PROBED_KINDS } from './catalog.js';

/*
 * The suite's config: core's schema built with the registered kinds' arrays (the composition of functions/core/config
 * and functions/kinds/registry.ts). Jobs, constructs and the CLI validate and type configs with what this module
 * exports; core's own modules read the kind-free CoreConfig, which this Config extends.
 */

export const configSchema = buildConfigSchema(PROBED_KIND_LIST);
const targetSchema = buildTargetSchema(PROBED_KIND_LIST);

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;

export type { HealthCheckConfig } from './http/schema.js';
export type { PostgresConfig } from './postgres/schema.js';
export type { TcpCheckConfig } from './tcp/schema.js';
export type {
  BackupConfig,
  NetworkConfig,
  SecretRefConfig,
  ServersConfig,
  SilenceConfig,
  SqliteConfig,
} from '../core/config/schema.js';
export type { ValidateOptions };

/** Validates a config (a parsed `.json` or a `.ts` default export); a ConfigError names each bad field. */
export function validateConfig(input: unknown, options: ValidateOptions = {}): Config {
  return validateConfigWith(configSchema, PROBED_KINDS, input, options);
}

/** `import { defineConfig } from 'ops-autopilot'` in a config anywhere: the package's public entry, functions/index.ts. */
const PACKAGE_ENTRY = new URL('../index.ts', import.meta.url).href;

/** Reads `ops.config.ts` (default export of defineConfig) or a `.json` file, then validates it. */
export function loadConfigFile(file: string, options: ValidateOptions = {}): Promise<Config> {
  return loadConfigFileWith({ validate: validateConfig, packageEntry: PACKAGE_ENTRY }, file, options);
}

export { configLoadInProgress, thrownByConfig } from '../core/config/load.js';

/** Typed identity for `ops.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
