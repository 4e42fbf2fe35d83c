import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import { importTypeScript } from './import-typescript.js';
import { armLoadWatchdog } from './load-watchdog.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseConfigJson } from './json-text.js';
import type { CoreConfig } from './schema.js';
import type { ValidateOptions } from './validate.js';

/** Validates what a config file holds (the kinds catalog's validateConfig: functions/kinds/config.ts). */
export type ConfigValidator<C extends CoreConfig> = (input: unknown, options?: ValidateOptions) => C;

/** What loading a config needs from the composition root (functions/kinds/config.ts). */
export interface ConfigLoader<C extends CoreConfig> {
  readonly validate: ConfigValidator<C>;
  /** The module `import { defineConfig } from 'ops-autopilot'` means where no such package is installed (a file URL). */
  readonly packageEntry: string;
}

/** How long a `.ts` config may take to evaluate (its top-level awaits included) before the load gives up. */
export const DEFAULT_CONFIG_LOAD_TIMEOUT_MS = 10_000;
/** Overrides that limit, as a duration ("30s"). */
export const CONFIG_LOAD_TIMEOUT_ENV = 'AUTOPILOT_CONFIG_TIMEOUT';
/** Marks a config's URL for config-hooks.mjs (its CONFIG_MARK): the hooks load it as an ES module. */
const CONFIG_MARK = 'autopilot-config';

/**
 * A `.ts` config that did not finish evaluating in time, typically a top-level await that never settles. The import
 * cannot be cancelled, and what it started (a timer, a socket) may keep the process alive: the CLI exits anyway.
 */
export class ConfigLoadTimeout extends ConfigError {
  constructor(file: string, ms: number) {
    super(
      `config: ${file} did not finish loading within ${formatDuration(ms)} ` +
        '(a top-level await that never settles, or a loop that never ends?)',
    );
    this.name = 'ConfigLoadTimeout';
  }
}

/** Reads `ops.config.ts` (default export of defineConfig) or a `.json` file, then validates it. */
export async function loadConfigFileWith<C extends CoreConfig>(
  loader: ConfigLoader<C>,
  file: string,
  options: ValidateOptions = {},
): Promise<C> {
  const { validate } = loader;
  const path = resolve(file);
  if (path.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`config: cannot read ${file}: ${oneLine((error as Error).message)}`);
    }
    return validate(parseConfigJson(text, file), options);
  }
  if (/\.(ts|mts|js|mjs)$/.test(path)) return loadModuleConfig(loader, path, file, options);
  throw new ConfigError(`config: ${file} must be a .ts or .json file`);
}

let hooksRegistered = false;
/** Loads in progress: an error nothing awaited meanwhile fails the load, so process-wide last resorts leave it alone. */
let loading = 0;

/** Whether a `.ts` config is being loaded now (its stray errors are the load's to report). */
export function configLoadInProgress(): boolean {
  return loading > 0;
}

/**
 * Imports and validates a `.ts` config within the load's time limit. A config is code, and every way code can fail is
 * the config's error (exit 2), never an internal one: an import that throws, a default export that is a promise
 * rejecting or never settling, a getter or proxy throwing while the validation reads it, an error thrown later from a
 * timer or a promise nobody awaited, and a loop that never yields (see load-watchdog.ts).
 */
async function loadModuleConfig<C extends CoreConfig>(
  { validate, packageEntry }: ConfigLoader<C>,
  path: string,
  file: string,
  options: ValidateOptions,
): Promise<C> {
  if (!hooksRegistered) {
    register(new URL('./config-hooks.mjs', import.meta.url), { data: { packageEntry } });
    hooksRegistered = true;
  }
  const url = pathToFileURL(path);
  url.searchParams.set(CONFIG_MARK, '');
  const limitMs = loadTimeoutMs();
  // Only the main thread can be interrupted this way (the inspector connects to it, not to the calling worker).
  const watchdog = isMainThread ? armLoadWatchdog(limitMs) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let onStray: ((error: unknown) => void) | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      watchdog?.disarm();
      reject(new ConfigLoadTimeout(file, limitMs));
    }, limitMs);
    onStray = (error) => reject(configFailure(file, error));
  });
  process.on('uncaughtException', onStray!);
  process.on('unhandledRejection', onStray!);
  // A config that calls process.exit would end the run with its own status (0: "success", no report): while it loads,
  // exiting is its error instead.
  const exit = process.exit;
  process.exit = ((code?: number | string | null) => {
    throw new ConfigError(`config: ${file} called process.exit(${code ?? ''}) while loading; a config only exports its settings`);
  }) as typeof process.exit;
  loading++;
  try {
    return await Promise.race([evaluateConfig(validate, url.href, file, options), gaveUp]);
  } finally {
    loading--;
    process.exit = exit;
    clearTimeout(timer);
    watchdog?.disarm();
    process.off('uncaughtException', onStray!);
    process.off('unhandledRejection', onStray!);
  }
}

async function evaluateConfig<C extends CoreConfig>(
  validate: ConfigValidator<C>,
  href: string,
  file: string,
  options: ValidateOptions,
): Promise<C> {
  let value: unknown;
  try {
    const module = (await importTypeScript(href)) as { default?: unknown };
    // A default export may be a promise (an async factory's result); awaiting it also reads a thenable's `then`.
    value = await module.default;
  } catch (error) {
    throw configFailure(file, error);
  }
  if (value === undefined) throw new ConfigError(`config: ${file} has no default export (export default defineConfig({...}))`);
  try {
    return validate(value, options);
  } catch (error) {
    // A getter or proxy in the exported object threw while the schema read it.
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`config: reading the export of ${file} failed: ${messageOf(error)}`);
  }
}

/** Whether `error` was thrown by a config's own code (its stack passes through the marked config URL). */
export function thrownByConfig(error: unknown): boolean {
  return error instanceof Error && typeof error.stack === 'string' && error.stack.includes(`?${CONFIG_MARK}=`);
}

function configFailure(file: string, error: unknown): ConfigError {
  return error instanceof ConfigError ? error : new ConfigError(`config: cannot load ${file}: ${messageOf(error)}`);
}

/** What was thrown, in one line; a config may throw anything, even a value whose toString throws. */
function messageOf(error: unknown): string {
  try {
    return oneLine(error instanceof Error ? String(error.message) : String(error));
  } catch {
    return 'a value that cannot be shown';
  }
}

function loadTimeoutMs(): number {
  const text = process.env[CONFIG_LOAD_TIMEOUT_ENV];
  if (text === undefined || text === '') return DEFAULT_CONFIG_LOAD_TIMEOUT_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > 2 ** 31 - 1)
    throw new ConfigError(`${CONFIG_LOAD_TIMEOUT_ENV}: invalid duration "${text}" (a number and ms, s or m, e.g. "30s")`);
  return ms;
}

/** esbuild's and Node's messages run over several lines; the CLI prints one. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
