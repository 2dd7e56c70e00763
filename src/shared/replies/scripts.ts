import { lua } from '../redis/lua';
import type { ReplyKeyword } from '../opt-out/keywords';

/**
 * What a STOP or START did to the suppression list: `added`, `already-listed` (a STOP for a listed number),
 * `removed`, `kept` (a START for a number listed for another reason than a STOP reply), `not-listed` (a START for
 * a number not on the list).
 */
export type ListChange = 'added' | 'already-listed' | 'removed' | 'kept' | 'not-listed';

/**
 * Stores a reply, attributes it and applies its opt-out keyword in one step, exactly once however many copies come
 * (scripts/record-reply.lua).
 */
export const RECORD_REPLY = lua<
  [
    seen: string,
    contacts: string,
    campaignRefs: string,
    replies: string,
    suppression: string,
    listVersion: string,
    listChanges: string,
    listFloor: string,
    listCount: string,
  ],
  [
    number: string,
    dedupSeconds: string,
    maxKept: string,
    keyword: ReplyKeyword | '',
    suppressionEntry: string,
    logBound: string,
    tenantLists: string,
    ...streamFields: string[],
  ],
  ['duplicate'] | [stored: 'stored', id: string, campaignId: string, change: ListChange | '']
>('record-reply');
