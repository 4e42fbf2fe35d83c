import { z } from 'zod';
import { PreconditionFailedError } from '../core/errors.js';
import { DIGEST_CLAIM_KEY } from '../core/layout.js';
import type { ObjectStore } from '../core/ports/object-store.js';

/*
 * The digest is claimed once per local day, as a notice is claimed in the alert outbox: a run writes a claim for the
 * day conditionally (If-None-Match / If-Match) before it publishes, and marks it sent after. Of runs that overlap
 * (a scheduler retry beside a slow first attempt, six `run digest` started together) one wins the write; the others
 * find the claim and send nothing. A claim left by a run that died before marking it expires with its lease; a
 * publish that failed releases it, so the scheduler's retry sends the day's digest.
 */

/** How long a run may take between claiming the day and marking it sent before another run may take it over. */
export const DIGEST_LEASE_MS = 120_000;

const claimSchema = z.object({
  version: z.literal(1),
  localDate: z.string(),
  runId: z.string(),
  claimedAt: z.string(),
  leaseUntil: z.string(),
  sentAt: z.string().optional(),
});
export type DigestClaim = z.output<typeof claimSchema>;

export interface ClaimRequest {
  readonly localDate: string;
  readonly runId: string;
  /** When this run started: a forced run sends again only over a digest sent before it began. */
  readonly now: Date;
  /** A manual invoke: send even if today's digest went out already (not if one is going out right now). */
  readonly force: boolean;
  readonly leaseMs?: number;
}

export type ClaimOutcome =
  | { readonly claimed: true; readonly claim: DigestClaim; readonly etag: string }
  | { readonly claimed: false; readonly reason: string };

function isConflict(error: unknown): boolean {
  return error instanceof PreconditionFailedError || (error as Error | undefined)?.name === 'PreconditionFailedError';
}

async function readClaim(store: ObjectStore): Promise<{ claim?: DigestClaim; etag?: string }> {
  const stored = await store.get(DIGEST_CLAIM_KEY);
  if (!stored) return {};
  try {
    return { claim: claimSchema.parse(JSON.parse(stored.body.toString('utf8'))), etag: stored.etag };
  } catch {
    // A damaged claim is overwritten (If-Match on its ETag): it claims nothing.
    return { etag: stored.etag };
  }
}

/** Why the day's existing claim keeps this run from sending, or undefined when it may take the day. */
function blockedBy(claim: DigestClaim | undefined, request: ClaimRequest): string | undefined {
  if (!claim || claim.localDate !== request.localDate) return undefined;
  if (claim.sentAt) {
    // A forced run sends again over a digest sent before it started, not over one an overlapping run just sent.
    if (request.force && Date.parse(claim.sentAt) < request.now.getTime()) return undefined;
    return `today's digest (${claim.localDate}) went out at ${claim.sentAt}: not sent again`;
  }
  if (Date.parse(claim.leaseUntil) > request.now.getTime()) {
    return `another run is sending today's digest (${claim.localDate}, claimed at ${claim.claimedAt}): not sent twice`;
  }
  return undefined;
}

/** Claims the day's digest for this run, or says which claim keeps it from sending. */
export async function claimDigest(store: ObjectStore, request: ClaimRequest, attempts = 8): Promise<ClaimOutcome> {
  for (let attempt = 1; ; attempt++) {
    const current = await readClaim(store);
    const reason = blockedBy(current.claim, request);
    if (reason) return { claimed: false, reason };
    const claim: DigestClaim = {
      version: 1,
      localDate: request.localDate,
      runId: request.runId,
      claimedAt: request.now.toISOString(),
      leaseUntil: new Date(request.now.getTime() + (request.leaseMs ?? DIGEST_LEASE_MS)).toISOString(),
    };
    try {
      const { etag } = await store.put(DIGEST_CLAIM_KEY, `${JSON.stringify(claim)}\n`, {
        ...(current.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
        contentType: 'application/json',
      });
      return { claimed: true, claim, etag };
    } catch (error) {
      // Another run wrote the claim meanwhile: read it again, it most likely keeps this one from sending.
      if (!isConflict(error) || attempt >= attempts) throw error;
    }
  }
}

/**
 * Marks the claimed day sent (or, with `sentAt` undefined, releases it so the next run may send). Conditional on the
 * claim being this run's still; when another run took it over meanwhile, its word stands.
 */
export async function settleDigest(
  store: ObjectStore,
  claimed: { claim: DigestClaim; etag: string },
  sentAt: Date | undefined,
): Promise<void> {
  const claim: DigestClaim = sentAt
    ? { ...claimed.claim, sentAt: sentAt.toISOString() }
    : { ...claimed.claim, leaseUntil: claimed.claim.claimedAt };
  try {
    await store.put(DIGEST_CLAIM_KEY, `${JSON.stringify(claim)}\n`, { ifMatch: claimed.etag, contentType: 'application/json' });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
}
