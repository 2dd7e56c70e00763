/** Who the CLI is in the audit trail: whoever runs it on this machine, by their OS user name. */
import { userInfo } from 'node:os';
import type { Actor } from '../shared/audit/audit-log';

export function cliActor(): Actor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A container user without a passwd entry has no name: its uid still tells one user from another.
    user = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return { keyId: 'cli', keyName: `cli:${user}` };
}
