import { chooseConfigFile, DEFAULT_CONFIG_FILE, EMBEDDED_EXAMPLE as EXAMPLE } from '../../functions/core/config/config-file.js';
import { ConfigError } from '../../functions/core/errors.js';
import { selectedTargets } from '../../functions/core/run/invoke-event.js';
import type { Config } from '../../functions/kinds/config.js';

/** The config a command reads when --config is not given, in the working directory. */
export const DEFAULT_CONFIG = DEFAULT_CONFIG_FILE;
/** `run --local` without any config runs the five runbook systems of the example (the demo's config too). */
export const EMBEDDED_EXAMPLE = EXAMPLE;

/** The config loader, once a command has loaded it: the CLI's last resort asks it whose a stray error is. */
export let configLoader: typeof import('../../functions/kinds/config.js') | undefined;

/**
 * The config file a command reads, by the rule `cdk synth` follows too (functions/core/config/config-file.ts):
 * --config, else ./ops.config.ts; `orExample`: the embedded example when neither exists (with a line on stderr
 * saying so), else undefined when `optional`, else a usage error naming --config and `npx autopilot init`.
 */
export function configPath(given: string | undefined, options: { orExample?: boolean; optional?: boolean } = {}): string | undefined {
  try {
    const choice = chooseConfigFile({ given, option: '--config', exampleFallback: options.orExample });
    if (choice.notice) process.stderr.write(`autopilot: ${choice.notice}\n`);
    return choice.shown;
  } catch (error) {
    if (options.optional && error instanceof ConfigError) return undefined;
    throw error;
  }
}

/** Loads and validates a config; every name in `targets` must be one of its targets (a usage error naming --target otherwise). */
export async function loadCliConfig(file: string, targets: readonly string[] = []): Promise<Config> {
  configLoader ??= await import('../../functions/kinds/config.js');
  const config = await configLoader.loadConfigFile(file);
  selectedTargets(config, targets, '--target');
  return config;
}
