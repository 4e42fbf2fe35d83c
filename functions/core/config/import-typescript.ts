/**
 * Node 24 runs a `.ts` config by stripping its types, which is all a plain config needs. A config
 * written for a TypeScript loader (imports of `./x.js` that are `./x.ts` files, enums) needs tsx:
 * it is registered the first time such a config fails without it, so the compiled CLI does not pay
 * tsx's start-up for configs that load without it. Where tsx is already registered (the CDK app,
 * the tests) the first import simply succeeds.
 */
const NEEDS_LOADER = new Set([
  'ERR_MODULE_NOT_FOUND',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
  'ERR_INVALID_TYPESCRIPT_SYNTAX',
  'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING',
]);

let tsxRegistered: Promise<void> | undefined;

export async function importTypeScript(href: string): Promise<unknown> {
  try {
    return await import(href);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (tsxRegistered || code === undefined || !NEEDS_LOADER.has(code)) throw error;
    tsxRegistered = import('tsx/esm/api').then(({ register }) => void register());
    await tsxRegistered;
    // A new URL: the failed import stays cached under the old one.
    const retry = new URL(href);
    retry.searchParams.set('loader', 'tsx');
    return import(retry.href);
  }
}
