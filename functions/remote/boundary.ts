/**
 * What the CDK constructs know of remote execution (the script documents they create, the delivery window they
 * allow for): the one module of functions/remote that lib/ imports, so a construct never loads the SSM client.
 */
export type { ShellScript } from './port.js';
export { DOCUMENT_VERSION, readScript } from './script.js';

export interface DocumentRef {
  readonly name: string;
  readonly version: string;
}

/** SendCommand's delivery timeout: a node that has not picked the command up by then is unreachable. */
export const DELIVERY_TIMEOUT_SECONDS = 60;
