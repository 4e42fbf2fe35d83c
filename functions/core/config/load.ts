import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';
import { validateConfig, type ValidateOptions } from './validate.js';

/** Reads `ops.config.ts` (default export of defineConfig) or a `.json` file, then validates it. */
export async function loadConfigFile(file: string, options: ValidateOptions = {}): Promise<Config> {
  const path = resolve(file);
  let raw: unknown;
  if (path.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`config: cannot read ${file}: ${(error as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`config: ${file} is not valid JSON: ${(error as Error).message}`);
    }
  } else if (/\.(ts|mts|js|mjs)$/.test(path)) {
    try {
      // tsx is registered by the CLI and the CDK app, so a .ts config imports like a .js one.
      const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
      raw = module.default;
    } catch (error) {
      throw new ConfigError(`config: cannot load ${file}: ${(error as Error).message}`);
    }
    if (raw === undefined) throw new ConfigError(`config: ${file} has no default export (export default defineConfig({...}))`);
  } else {
    throw new ConfigError(`config: ${file} must be a .ts or .json file`);
  }
  return validateConfig(raw, options);
}
