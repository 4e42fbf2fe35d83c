import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';

/**
 * Which config file a command uses: the one rule the CLI (`--config`) and the CDK app
 * (`-c config=`, AUTOPILOT_CONFIG) share. It imports no CDK and no config loader, so the CLI
 * and `cdk synth` can decide (and refuse) before loading anything heavy.
 */

/** The file a command reads when it is given none. */
export const DEFAULT_CONFIG_FILE = 'ops.config.ts';
/** The example of the five runbook systems, as a path in a checkout (what `-c config=` takes). */
export const EXAMPLE_CONFIG_FILE = 'examples/runbooks.config.ts';
/** The same example beside this module, wherever the command runs from (`run --local` falls back to it). */
export const EMBEDDED_EXAMPLE = fileURLToPath(new URL('../../../examples/runbooks.config.ts', import.meta.url));

export interface ConfigFileRequest {
  /** The file the command was given (`--config <file>`, `-c config=<file>`); anything but a non-empty string is "not given". */
  readonly given?: unknown;
  /** How the command names that option in its messages: `--config` or `-c config=`. */
  readonly option: '--config' | '-c config=';
  /** The AUTOPILOT_CONFIG environment variable, for commands that read it (the CDK app). */
  readonly env?: string;
  /**
   * Whether the embedded example stands in when nothing is given and there is no `ops.config.ts`:
   * only for a local run, which touches nothing deployed. A deploy never falls back to it.
   * @default false
   */
  readonly exampleFallback?: boolean;
  /** @default process.cwd() */
  readonly cwd?: string;
}

export interface ConfigFileChoice {
  /** The absolute path. */
  readonly path: string;
  /** As the user would write it (what messages about the file quote). */
  readonly shown: string;
  readonly source: 'given' | 'env' | 'default' | 'example';
  /** A line to print on stderr before using it (the example standing in says so). */
  readonly notice?: string;
}

/** The one line a command prints when it has no config: what to run to get one, and how to use the example on purpose. */
export function noConfigMessage(request: Pick<ConfigFileRequest, 'option' | 'env' | 'cwd'>): string {
  const cwd = request.cwd ?? process.cwd();
  if (request.option === '-c config=') {
    return (
      `no config: no -c config=<file>, no AUTOPILOT_CONFIG and no ${DEFAULT_CONFIG_FILE} in ${cwd}; ` +
      `run \`npx autopilot init\` to write one, or deploy the example on purpose with -c config=${EXAMPLE_CONFIG_FILE}`
    );
  }
  return `--config: no ${DEFAULT_CONFIG_FILE} in ${cwd}; run \`npx autopilot init\` to write one, or pass --config <file>`;
}

/**
 * The config file: the one given, else AUTOPILOT_CONFIG (when the command reads it), else
 * `ops.config.ts` in the working directory, else the embedded example for a local run only.
 * Otherwise a ConfigError whose one line names `npx autopilot init`.
 */
export function chooseConfigFile(request: ConfigFileRequest): ConfigFileChoice {
  const cwd = request.cwd ?? process.cwd();
  if (typeof request.given === 'string' && request.given !== '') {
    return { path: resolve(cwd, request.given), shown: request.given, source: 'given' };
  }
  if (request.env) return { path: resolve(cwd, request.env), shown: request.env, source: 'env' };
  const own = resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(own)) return { path: own, shown: DEFAULT_CONFIG_FILE, source: 'default' };
  if (request.exampleFallback) {
    return {
      path: EMBEDDED_EXAMPLE,
      shown: EMBEDDED_EXAMPLE,
      source: 'example',
      notice: `no ${DEFAULT_CONFIG_FILE} here; using the embedded example of the five runbook systems (${EMBEDDED_EXAMPLE})`,
    };
  }
  throw new ConfigError(noConfigMessage(request));
}
