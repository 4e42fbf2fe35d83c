/**
 * What the CDK constructs (lib/status-page) read of the status page: the function behind its URL. Everything else
 * runs inside the health job.
 */
export const STATUS_PAGE_HANDLER_FILE = 'functions/status-page/handler.ts';
export { RETENTION_DAYS, DAY_DOCUMENT_DAYS } from './history/rollup.js';
