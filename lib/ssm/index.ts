export { documentContent, ShellScriptDocument, type ShellScriptDocumentProps } from './shell-script-document.js';
export { SECURITY_DAILY_AT, SSM_OUTPUT_PREFIX, ServerChecks, uniqueTagSets, type ServerChecksProps } from './server-checks.js';
