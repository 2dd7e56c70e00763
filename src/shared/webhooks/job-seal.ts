/**
 * The seal of a webhook event's job: proof that smsq made it. Workers sign whatever a webhooks job holds and POST
 * it where the job says, so a job added by anyone else who can write to Redis (or to the queue through a
 * dashboard) would be a forged event, validly signed, sent to an address of their choosing. The producer or worker
 * that creates an event seals its job with a key derived from its owner's secret (WEBHOOK_SECRET, or the tenant's:
 * owner-webhook.ts), over every field that decides what is sent and where (id, type, campaign, target URL, body,
 * creation time); the worker delivers only jobs whose seal it can compute itself. The target is thus always the one
 * smsq chose (the campaign's callbackUrl, or its owner's URL), never one a job's data was given afterwards, and
 * since the stored campaign id is sealed too, a job cannot be moved to another tenant's secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookJobData } from './events';
import { signingKey } from './signature';

/** Keeps the seal's key apart from the Standard Webhooks signing key: neither can stand in for the other. */
const SEAL_CONTEXT = 'smsq webhook job seal v1';

/** The fields a seal covers: everything but the retry window (`since`), which an operator's re-send moves. */
export type SealedFields = Pick<WebhookJobData, 'id' | 'type' | 'campaignId' | 'url' | 'payload' | 'createdAt'>;

function sealKey(secret: string): Buffer {
  return createHmac('sha256', signingKey(secret)).update(SEAL_CONTEXT).digest();
}

/** The seal of an event's job, base64url of HMAC-SHA256 over its sealed fields. */
export function sealJob(secret: string, job: SealedFields): string {
  const fields = JSON.stringify([job.id, job.type, job.campaignId, job.url, job.payload, job.createdAt]);
  return createHmac('sha256', sealKey(secret)).update(fields).digest('base64url');
}

/** Whether `job` was sealed with this secret and is unchanged since. */
export function sealMatches(secret: string, job: SealedFields & { seal?: unknown }): boolean {
  if (typeof job.seal !== 'string') return false;
  const given = Buffer.from(job.seal, 'base64url');
  const expected = Buffer.from(sealJob(secret, job), 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
