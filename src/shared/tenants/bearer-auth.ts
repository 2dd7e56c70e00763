/**
 * Who a bearer token names: API_TOKEN or an API key. One check for the server's /v1 routes and each worker's
 * /metrics, so both take the same tokens and refuse the others in the same words.
 */
import { secretMatches } from '../secret-compare';
import { API_TOKEN_PRINCIPAL, keyIdOf, type Principal } from './api-key';
import type { KeyCheck, KeyStore } from './key-store';

/** Why a key is refused, as its holder is told. */
export const KEY_REFUSED: Record<Exclude<KeyCheck, { principal: Principal }>['refused'], string> = {
  unknown: 'wrong API token or key',
  revoked: 'this API key has been revoked',
  expired: 'this API key has expired',
};

/**
 * The principal of `token` (from `Authorization: Bearer …`, null when absent), or the message refusing it.
 * API_TOKEN is compared first and without Redis, so it still works while Redis is down; a key costs one read.
 * A Redis error rejects: it is not the caller's fault, and the caller answers it as such.
 */
export async function bearerPrincipal(
  token: string | null,
  apiToken: string | undefined,
  apiKeys: Pick<KeyStore, 'check'>,
): Promise<{ principal: Principal } | { refused: string }> {
  if (!token) return { refused: 'send API_TOKEN or an API key as "Authorization: Bearer <token>"' };
  if (apiToken !== undefined && secretMatches(token, apiToken)) return { principal: API_TOKEN_PRINCIPAL };
  if (keyIdOf(token) === null)
    return { refused: apiToken === undefined ? 'this is not an API key, and API_TOKEN is not set' : KEY_REFUSED.unknown };
  const check = await apiKeys.check(token);
  return 'refused' in check ? { refused: KEY_REFUSED[check.refused] } : check;
}

/** Whether `who` may read what spans every tenant (metrics, the gateway's balance and accounts). */
export function readsEveryTenant(who: Principal): boolean {
  return who.scope === 'admin' || (who.scope === 'read' && who.tenant === undefined);
}
