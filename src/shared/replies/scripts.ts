import { lua } from '../redis/lua';
import type { ReplyKeyword } from '../opt-out/keywords';

/**
 * What a STOP or START did to the suppression list: `added`, `already-listed` (a STOP for a listed number),
 * `removed`, `kept` (a START for a number listed for another reason than a STOP reply), `not-listed` (a START for
 * a number not on the list).
 */
export type ListChange = 'added' | 'already-listed' | 'removed' | 'kept' | 'not-listed';

/**
 * KEYS: the reply's seen-marker, its number's contact-history bucket, the campaign refs, the replies stream, its
 * number's suppression bucket. ARGV: number, dedup seconds, stream max length, keyword ('stop', 'start' or ''),
 * the suppression entry a STOP adds, then the stream entry's field/value pairs.
 *
 * One step, so that a reply is stored, attributed and acted on exactly once even when the push and the poller
 * bring it at the same moment: the first copy sets the marker, a later one answers 'duplicate' and changes nothing.
 * A STOP never overwrites an entry already listed (an operator's `manual` stays `manual`); a START removes only a
 * `stop-reply` entry: what an operator, an import or a complaint put on the list, a text message cannot take off.
 * Returns {'duplicate'} or {'stored', stream id, campaignId or '', list change}.
 */
export const RECORD_REPLY = lua<
  [seen: string, contacts: string, campaignRefs: string, replies: string, suppression: string],
  [number: string, dedupSeconds: string, maxKept: string, keyword: ReplyKeyword | '', suppressionEntry: string, ...streamFields: string[]],
  ['duplicate'] | [stored: 'stored', id: string, campaignId: string, change: ListChange | '']
>(`
if not redis.call('SET', KEYS[1], '1', 'EX', ARGV[2], 'NX') then return {'duplicate'} end
local number = ARGV[1]
local campaignId = ''
local contact = redis.call('HGET', KEYS[2], number)
if contact then
  campaignId = redis.call('HGET', KEYS[3], string.match(contact, '^[^|]*')) or ''
end
local change = ''
if ARGV[4] == 'stop' then
  if redis.call('HSETNX', KEYS[5], number, ARGV[5]) == 1 then change = 'added' else change = 'already-listed' end
elseif ARGV[4] == 'start' then
  local entry = redis.call('HGET', KEYS[5], number)
  if not entry then change = 'not-listed'
  elseif string.match(entry, '^[^|]*') == 'stop-reply' then
    redis.call('HDEL', KEYS[5], number)
    change = 'removed'
  else change = 'kept' end
end
local fields = {}
for j = 6, #ARGV do fields[#fields + 1] = ARGV[j] end
fields[#fields + 1] = 'campaignId'
fields[#fields + 1] = campaignId
fields[#fields + 1] = 'change'
fields[#fields + 1] = change
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
return {'stored', id, campaignId, change}`);
