import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import { importTypeScript } from './import-typescript.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseConfigJson } from './json-text.js';
import type { Config } from './schema.js';
import { validateConfig, type ValidateOptions } from './validate.js';

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
    super(`config: ${file} did not finish loading within ${formatDuration(ms)} (a top-level await that never settles?)`);
    this.name = 'ConfigLoadTimeout';
  }
}

/** Reads `ops.config.ts` (default export of defineConfig) or a `.json` file, then validates it. */
export async function loadConfigFile(file: string, options: ValidateOptions = {}): Promise<Config> {
  const path = resolve(file);
  let raw: unknown;
  if (path.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`config: cannot read ${file}: ${oneLine((error as Error).message)}`);
    }
    raw = parseConfigJson(text, file);
  } else if (/\.(ts|mts|js|mjs)$/.test(path)) {
    raw = await importConfig(path, file);
  } else {
    throw new ConfigError(`config: ${file} must be a .ts or .json file`);
  }
  return validateConfig(raw, options);
}

let hooksRegistered = false;

async function importConfig(path: string, file: string): Promise<unknown> {
  if (!hooksRegistered) {
    register(new URL('./config-hooks.mjs', import.meta.url));
    hooksRegistered = true;
  }
  const url = pathToFileURL(path);
  url.searchParams.set(CONFIG_MARK, '');
  const limitMs = loadTimeoutMs();
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConfigLoadTimeout(file, limitMs)), limitMs);
  });
  let module: { default?: unknown };
  try {
    module = await Promise.race([importTypeScript(url.href) as Promise<{ default?: unknown }>, gaveUp]);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`config: cannot load ${file}: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  } finally {
    clearTimeout(timer);
  }
  if (module.default === undefined) throw new ConfigError(`config: ${file} has no default export (export default defineConfig({...}))`);
  return module.default;
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
