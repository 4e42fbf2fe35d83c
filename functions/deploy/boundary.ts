/**
 * What the CDK constructs know of the deployment helpers (custom resources that run while the stack
 * deploys, not on a schedule): their entry points. The one module of functions/deploy that lib/ imports.
 */

/** The module a deployment bundles for each helper, relative to the project root. */
export const DEPLOY_HELPER_ENTRY_POINTS = {
  /** Makes sure the console's shareable test-event registry exists; never deletes it. */
  testEventRegistry: 'functions/deploy/test-event-registry.ts',
} as const;
