export { DOCUMENT_VERSION, ServerCheckDocuments, documentContent } from './server-check-documents.js';
export { SECURITY_DAILY_AT, SSM_OUTPUT_PREFIX, ServerChecks, uniqueTagSets, type ServerChecksProps } from './server-checks.js';
