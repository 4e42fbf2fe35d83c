import { ConflictException, CreateRegistryCommand, DescribeRegistryCommand, SchemasClient } from '@aws-sdk/client-schemas';

/**
 * The CloudFormation custom resource that makes sure the EventBridge schema registry the Lambda
 * console keeps shareable test events in exists (`lambda-testevent-schemas`): the console makes it
 * the first time anyone in the account and region saves a shareable test event, so a fresh account
 * has none and the stack's schemas would fail to create. The registry holds every shareable test
 * event of the account and region, not only the suite's: this resource creates it when it is
 * missing, leaves an existing one alone, and never deletes it (a stack delete makes no call).
 */

/** What CloudFormation sends a Lambda-backed custom resource (the fields this one reads). */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly RegistryName?: unknown; readonly Description?: unknown };
}

/** What the function answers CloudFormation with, at the event's pre-signed ResponseURL. */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

export type RegistryOutcome = 'created' | 'existing' | 'untouched';

/**
 * Describes the registry; creates it only when it is not found. A ConflictException on create is
 * another stack (or the console) creating it at the same moment: it exists, which is all we want.
 */
export async function ensureRegistry(client: SchemasClient, name: string, description: string): Promise<'created' | 'existing'> {
  try {
    await client.send(new DescribeRegistryCommand({ RegistryName: name }));
    return 'existing';
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
  }
  try {
    await client.send(new CreateRegistryCommand({ RegistryName: name, Description: description }));
    return 'created';
  } catch (error) {
    if (error instanceof ConflictException || (error as Error).name === 'ConflictException') return 'existing';
    throw error;
  }
}

/** CloudFormation waits an hour for an answer that never comes: the PUT is tried a few times. */
export async function sendResponse(url: string, response: CustomResourceResponse, attempts = 4): Promise<void> {
  const body = JSON.stringify(response);
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      // An empty Content-Type, as CloudFormation's pre-signed URL was signed for (cfn-response does the same).
      const answer = await fetch(url, {
        method: 'PUT',
        body,
        headers: { 'content-type': '' },
        signal: AbortSignal.timeout(10_000),
      });
      if (answer.ok) return;
      last = new Error(`the response URL answered ${answer.status}`);
    } catch (error) {
      last = error;
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
  }
  throw last;
}

export interface HandlerDependencies {
  readonly client?: SchemasClient;
  readonly respond?: (url: string, response: CustomResourceResponse) => Promise<void>;
}

/** The handler: never throws before answering, so a stack never waits an hour on it. */
export function createHandler(dependencies: HandlerDependencies = {}) {
  let client = dependencies.client;
  const respond = dependencies.respond ?? sendResponse;
  return async (event: CustomResourceEvent, context?: { logStreamName?: string }): Promise<CustomResourceResponse> => {
    const name = typeof event.ResourceProperties.RegistryName === 'string' ? event.ResourceProperties.RegistryName : '';
    const description = typeof event.ResourceProperties.Description === 'string' ? event.ResourceProperties.Description : '';
    let outcome: RegistryOutcome = 'untouched';
    let failure: string | undefined;
    if (!name) {
      failure = 'RegistryName: missing';
    } else if (event.RequestType !== 'Delete') {
      try {
        // Short timeouts and few retries: the answer must reach CloudFormation within the function's own timeout.
        client ??= new SchemasClient({ maxAttempts: 4, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 } });
        outcome = await ensureRegistry(client, name, description);
      } catch (error) {
        const e = error as Error;
        failure = `schema registry ${name}: ${e.name}: ${e.message}`;
      }
    }
    const response: CustomResourceResponse = {
      Status: failure ? 'FAILED' : 'SUCCESS',
      ...(failure ? { Reason: `${failure.slice(0, 900)}${context?.logStreamName ? ` (log stream ${context.logStreamName})` : ''}` } : {}),
      // The same physical id on every update: CloudFormation never sees a replacement, so it never asks to delete.
      PhysicalResourceId: name || event.PhysicalResourceId || event.LogicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: { Outcome: outcome },
    };
    console.log(JSON.stringify({ message: 'test-event registry', requestType: event.RequestType, registry: name, outcome, failure }));
    await respond(event.ResponseURL, response);
    return response;
  };
}

export const handler = createHandler();
