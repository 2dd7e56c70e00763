import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a secret in constant time. Both sides are hashed first, so the comparison always runs over 32 bytes
 * and neither the secret's length nor the position of the first wrong character shows in the timing.
 */
export function secretMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const [scheme, token] = (header ?? '').split(' ', 2);
  return scheme?.toLowerCase() === 'bearer' && token ? token : null;
}
