import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../functions/core/errors.js';
import { selectedTargets } from '../../functions/core/run/invoke-event.js';
import type { Config } from '../../functions/kinds/config.js';

/** The config a command reads when --config is not given, in the working directory. */
export const DEFAULT_CONFIG = 'ops.config.ts';
/** `run --local` without any config runs the five runbook systems of the example (the demo's config too). */
export const EMBEDDED_EXAMPLE = new URL('../../examples/runbooks.config.ts', import.meta.url).pathname;

/** The config loader, once a command has loaded it: the CLI's last resort asks it whose a stray error is. */
export let configLoader: typeof import('../../functions/kinds/config.js') | undefined;

/**
 * The config file a command reads: --config, else ./ops.config.ts; `orExample`: the embedded example when neither
 * exists (with a line on stderr saying so), else undefined when `optional`, else a usage error naming --config.
 */
export function configPath(given: string | undefined, options: { orExample?: boolean; optional?: boolean } = {}): string | undefined {
  if (given) return given;
  if (existsSync(resolve(DEFAULT_CONFIG))) return DEFAULT_CONFIG;
  if (options.orExample) {
    process.stderr.write(
      `autopilot: no ${DEFAULT_CONFIG} here; using the embedded example of the five runbook systems (${EMBEDDED_EXAMPLE})\n`,
    );
    return EMBEDDED_EXAMPLE;
  }
  if (options.optional) return undefined;
  throw new ConfigError(`--config: no ${DEFAULT_CONFIG} in ${process.cwd()}; pass --config <file> (autopilot init writes a starter)`);
}

/** Loads and validates a config; every name in `targets` must be one of its targets (a usage error naming --target otherwise). */
export async function loadCliConfig(file: string, targets: readonly string[] = []): Promise<Config> {
  configLoader ??= await import('../../functions/kinds/config.js');
  const config = await configLoader.loadConfigFile(file);
  selectedTargets(config, targets, '--target');
  return config;
}
