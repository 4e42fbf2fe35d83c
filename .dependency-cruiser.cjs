/**
 * The layers of ops-autopilot, checked by `npm run lint` (docs/contributing.md says why each holds):
 *
 *   bin/ (CLI), scripts/, bench/        may import anything below
 *   lib/ (CDK constructs)               core, kinds, and a job only through its boundary.ts
 *   functions/<job>/, functions/remote  core, kinds, remote, other jobs
 *   functions/kinds/                    core; a kind folder only core, its own folder and probe-support.ts
 *   functions/core/                     nothing above it
 *
 * Type-only imports count: a cycle or an upward import through types is still a layer that does not hold.
 */
const JOB_DIRS = '(?!core/|kinds/|remote/|index\\.ts$)[^/]+';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere, type-only ones included: each cycle is a layer that does not hold.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-above',
      severity: 'error',
      comment: 'functions/core is the ground floor: it takes the registered kinds from the kinds catalog at run time, never by import.',
      from: { path: '^functions/core/' },
      to: { path: '^(functions/(?!core/)|lib/|bin/|scripts/|bench/|tests/|examples/)' },
    },
    {
      name: 'kinds-import-only-core',
      severity: 'error',
      comment: 'The kinds layer stands on core alone.',
      from: { path: '^functions/kinds/' },
      to: { path: '^(functions/(?!core/|kinds/)|lib/|bin/|scripts/|bench/|tests/|examples/)' },
    },
    {
      name: 'a-kind-imports-only-its-own-folder',
      severity: 'error',
      comment: 'A kind folder imports core, its own files and the shared probe-support.ts: kinds never import each other or the catalog.',
      from: { path: '^functions/kinds/([^/]+)/' },
      to: { path: '^functions/kinds/', pathNot: ['^functions/kinds/$1/', '^functions/kinds/probe-support\\.ts$'] },
    },
    {
      name: 'probe-support-imports-only-core',
      severity: 'error',
      comment: "The kinds' shared module is imported by every kind folder, so it imports none of them.",
      from: { path: '^functions/kinds/probe-support\\.ts$' },
      to: { path: '^functions/kinds/', pathNot: '^functions/kinds/probe-support\\.ts$' },
    },
    {
      name: 'remote-imports-only-core',
      severity: 'error',
      comment: 'Remote execution is a port the jobs use; it knows no job.',
      from: { path: '^functions/remote/' },
      to: { path: '^(functions/(?!core/|remote/)|lib/|bin/|scripts/|bench/|tests/)' },
    },
    {
      name: 'functions-never-import-the-app',
      severity: 'error',
      comment: 'The deployed functions are bundled from functions/ alone: the CDK app, the CLI, scripts and tests stay out of them.',
      from: { path: '^functions/' },
      to: { path: '^(lib/|bin/|scripts/|bench/|tests/|examples/)' },
    },
    {
      name: 'constructs-import-jobs-only-through-their-boundary',
      severity: 'error',
      comment:
        'lib/ reads a job through functions/<job>/boundary.ts (entry points, env names, scripts), never its run-time code; ' +
        'core and the kinds are open to it.',
      from: { path: '^lib/' },
      to: { path: `^functions/${JOB_DIRS}/`, pathNot: `^functions/${JOB_DIRS}/boundary\\.ts$` },
    },
    {
      name: 'constructs-never-import-the-cli',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(bin/|scripts/|bench/|tests/)' },
    },
    {
      name: 'shipped-code-never-imports-tests',
      severity: 'error',
      comment: 'The CLI ships; benches and the cost scripts may use the test servers (tests/support), it may not.',
      from: { path: '^bin/' },
      to: { path: '^tests/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdk\\.out|\\.autopilot)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.json'] },
  },
};
