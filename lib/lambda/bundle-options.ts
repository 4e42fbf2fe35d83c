import type { BuildOptions } from 'esbuild';
import { CREATE_REQUIRE_BANNER } from './autopilot-function.js';

/**
 * How a job's handler is bundled outside NodejsFunction (the backup image, the cost script's
 * measured worker): one minified ESM file with pg's `require` shimmed, as the zip functions get.
 */
export const HANDLER_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: CREATE_REQUIRE_BANNER },
  external: ['pg-native'],
  minify: true,
  logLevel: 'error',
} as const satisfies BuildOptions;
