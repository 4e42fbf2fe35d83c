// Module hooks (node:module register) for importing a `.ts` config from any directory. Plain JavaScript: hook
// modules load in Node's hooks thread, where no TypeScript loader can be assumed.

/** The search parameter load.ts puts on a config's URL, so these hooks know it from the modules it imports. */
export const CONFIG_MARK = 'autopilot-config';
const PACKAGE = 'ops-autopilot';
/** The package's public entry (functions/index.ts), given by the loader that registers these hooks. */
let ENTRY;

export function initialize(data) {
  ENTRY = data?.packageEntry;
}

/**
 * `import { defineConfig } from 'ops-autopilot'` resolves to this package when nothing of that name is installed
 * where the config lives (a config in /etc/ops/, or in a project that does not depend on the package).
 */
export async function resolve(specifier, context, nextResolve) {
  if (specifier !== PACKAGE) return nextResolve(specifier, context);
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !ENTRY) throw error;
    return nextResolve(ENTRY, context);
  }
}

/**
 * A config is an ES module (`export default`, top-level await) wherever it lives. Left to the nearest package.json, a
 * `.ts` file under a directory without `"type": "module"` is compiled to CommonJS, where a top-level await is a syntax
 * error. "module-typescript" is the format Node gives TypeScript modules; tsx (the loader before this one) compiles
 * it as ESM.
 */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !new URL(url).searchParams.has(CONFIG_MARK)) return nextLoad(url, context);
  const loaded = await nextLoad(url, { ...context, format: 'module' });
  const typescript = /\.[cm]?tsx?$/.test(new URL(url).pathname);
  return { ...loaded, format: typescript ? 'module-typescript' : 'module' };
}
