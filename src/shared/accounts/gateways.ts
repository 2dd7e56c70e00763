import { DEFAULT_ACCOUNT, type Config, type GatewayAccount, type GatewayConfig } from '../config';
import { GatewayClient } from '../gateway/client';
import { GatewayQueries } from '../gateway/queries';
import type { Logger } from '../logger';

/**
 * The gateway settings of one account: SMS_API_*'s timeouts and default sender ID, with the account's address and
 * credentials. The `default` account is SMS_API_* itself (SMS_ACCOUNTS may not use the name), so a configuration whose
 * `gateway` a caller replaced (a library user, a test pointing it at a proxy) sends where that says.
 */
export function accountGateway(g: GatewayConfig, a: GatewayAccount): GatewayConfig {
  if (a.name === DEFAULT_ACCOUNT) return g;
  return { ...g, baseUrl: a.baseUrl, apiKey: a.apiKey, apiSecret: a.apiSecret, appId: a.appId };
}

/** What a batch's calls need of the accounts: each one's settings and its send client. */
export type CallGateways = Pick<AccountGateways, 'client' | 'account'>;

/** One send client and one query client per account, made when first used; close() ends their sockets. */
export class AccountGateways {
  private readonly clients = new Map<string, GatewayClient>();
  private readonly queryClients = new Map<string, GatewayQueries>();

  constructor(
    private readonly config: Pick<Config, 'gateway' | 'accounts'>,
    private readonly log: Logger,
  ) {}

  get accounts(): readonly GatewayAccount[] {
    return this.config.accounts;
  }

  client(name: string): GatewayClient {
    let c = this.clients.get(name);
    if (!c) {
      c = new GatewayClient(
        accountGateway(this.config.gateway, this.account(name)),
        this.log.child({ component: 'gateway', account: name }),
        Date.now,
        name,
      );
      this.clients.set(name, c);
    }
    return c;
  }

  queries(name: string): GatewayQueries {
    let q = this.queryClients.get(name);
    if (!q) {
      q = new GatewayQueries(
        accountGateway(this.config.gateway, this.account(name)),
        this.log.child({ component: 'gateway-queries', account: name }),
      );
      this.queryClients.set(name, q);
    }
    return q;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    for (const q of this.queryClients.values()) q.close();
  }

  account(name: string): GatewayAccount {
    const a = this.config.accounts.find((x) => x.name === name);
    if (!a) throw new Error(`no gateway account named "${name}" is configured`);
    return a;
  }
}
