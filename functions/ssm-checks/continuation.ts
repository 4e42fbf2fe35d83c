import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ServerJob } from './checks.js';

/** The event that carries a run on: collect the run saved under `pending`. */
export interface CollectEvent {
  readonly source: 'ssm-collect';
  readonly job: ServerJob;
  readonly pending: string;
}

/** Starts the invocation that goes on collecting a run this one had no time to finish. */
export interface Continuation {
  schedule(event: CollectEvent): Promise<void>;
}

/** Invokes this very function again, asynchronously (Lambda queues the event and retries it twice). */
export class LambdaContinuation implements Continuation {
  constructor(
    private readonly functionName: string,
    private readonly client: LambdaClient = new LambdaClient({}),
  ) {}

  async schedule(event: CollectEvent): Promise<void> {
    await this.client.send(
      new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }),
    );
  }
}
