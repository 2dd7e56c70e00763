import type { BatchRecord } from '../shared/batch/store';
import type { CampaignRecord } from '../shared/campaign/record';
import { recipientZones } from '../shared/schedule/recipient-zones';
import { nextOpen } from '../shared/schedule/send-window';

/** Recipients of a batch that must wait for their send window, and when the first of them may go. */
export interface WindowHold {
  held: Set<number>;
  /** The earliest opening among the held recipients' windows (ms, by the context's clock); null when none is held. */
  reopenAt: number | null;
}

/**
 * Which pending recipients are outside the campaign's send window at `now`, judged in each recipient's zones
 * (recipientZones): open in all of them, or held. Recipients sharing zones are judged once.
 */
export function windowHold(now: number, campaign: CampaignRecord, record: BatchRecord): WindowHold {
  const hold: WindowHold = { held: new Set(), reopenAt: null };
  const w = campaign.window;
  if (!w) return hold;
  const opening = new Map<string, number | null>();
  record.recipients.forEach((r, i) => {
    if (record.outcomes.has(i)) return;
    // Zones are checked at enqueue; a number that still cannot be placed waits like one whose window never opens.
    const zones = recipientZones(r.number, r.zone, campaign.timezone) ?? [];
    const key = zones.join('|');
    let at = opening.get(key);
    if (at === undefined) {
      at = zones.length > 0 ? nextOpen(w, zones, now) : null;
      opening.set(key, at);
    }
    if (at === now) return;
    hold.held.add(i);
    if (at !== null && (hold.reopenAt === null || at < hold.reopenAt)) hold.reopenAt = at;
  });
  return hold;
}
