import { configDefaults, defineConfig } from 'vitest/config';
import { skippedFiles } from './tests/support/requirements.js';

// Test files that need a tool npm cannot bring (openssl, pg_dump, ...) are left out where it is missing, each with one
// line saying what is missing and how to get it; the rest runs on a machine with only Node and npm.
const skipped = skippedFiles();
for (const { file, reason } of skipped) process.stdout.write(`skipped: ${file}: ${reason}\n`);

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...skipped.map((s) => s.file)],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PostgreSQL clusters, S3 servers and CDK synths are heavy on a 2-core machine.
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
