/**
 * Whose webhook a campaign's events belong to — one rule for the process that creates them (emitter.ts) and the
 * worker that delivers them (worker/deliver-webhook.ts), so that one backend never receives another's events:
 * - an admin's campaign (no tenant): its callbackUrl, else WEBHOOK_URL, sealed and signed with WEBHOOK_SECRET;
 * - a tenant's campaign (`<tenant>~<id>`, tenants/campaign-owner.ts): its callbackUrl, else its tenant's webhook
 *   URL — never WEBHOOK_URL, which is the operator's — sealed and signed with the tenant's own secret. A tenant
 *   without a webhook has no secret: its campaigns' events go nowhere.
 * A tenant's webhook is read through TenantSettingsStore.cached (at most a second old); an admin's campaign reads
 * nothing, so the send path of campaigns without tenants is what it was before tenants.
 */
import type { WebhookConfig } from '../config';
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';
import { ownerOf } from '../tenants/campaign-owner';
import type { TenantSettingsStore } from '../tenants/tenant-settings';

/** The webhook of a campaign's owner. `url` is where its events go when the campaign gave no callbackUrl. */
export interface OwnerWebhook {
  /** The campaign's tenant; absent for an admin's campaign. */
  tenant?: string;
  url?: string;
  /** Seals and signs the campaign's events; absent: they cannot be sent. Never logged. */
  secret?: string;
}

export class OwnerWebhooks {
  constructor(
    private readonly config: Pick<WebhookConfig, 'url' | 'secret'>,
    private readonly tenants: Pick<TenantSettingsStore, 'cached'>,
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The webhook of the campaign's owner, from its stored id. */
  async of(storedId: string): Promise<OwnerWebhook> {
    const { tenant } = ownerOf(storedId);
    if (tenant === undefined) return { url: this.config.url, secret: this.config.secret };
    const webhook = (await this.tenants.cached(tenant)).webhook;
    return webhook ? { tenant, url: webhook.url, secret: webhook.secret } : { tenant };
  }

  /**
   * Whether a tenant's event, made for `url`, may still be sent there: `url` is its tenant's webhook URL now, or its
   * campaign's callbackUrl (read only then). A tenant that moved its webhook keeps its secret, so without this its
   * events queued before would be delivered, validly signed, to the address it left.
   */
  async stillTargets(owner: OwnerWebhook, storedId: string, url: string): Promise<boolean> {
    if (owner.url === url) return true;
    return (await this.redis.hget(this.keys.campaign(storedId), 'callbackUrl')) === url;
  }
}
