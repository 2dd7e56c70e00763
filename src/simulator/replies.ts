import { formatGatewayTime, parseGatewayTime } from '../shared/gateway/gateway-time';
import { mccOf } from './report-body';

/** One reply as recordMo lists it and as the simulator pushes it to replyUrl. */
export interface MoBody {
  number: string;
  sendId: string;
  /** ISO 8601 in the gateway's zone, as recordMo writes times. */
  receiveTime: string;
  content: string;
  mcc: number;
  mnc: number;
  operator: string;
  pricedetail: { pay: string; chargeCnt: number; currency: string; price: string };
}

interface StoredMo {
  at: number;
  body: MoBody;
}

/** What POST /__sim/replies takes: a number and a text; the senderId replied to and the time are optional. */
export interface InjectedReply {
  number: string;
  content: string;
  sendId?: string;
  /** ISO 8601 (with an offset) or ms since the epoch; default now. */
  receiveTime?: string | number;
}

/** The replies the simulated account has received, oldest first, for recordMo to list. */
export class ReplyBook {
  private replies: StoredMo[] = [];

  get size(): number {
    return this.replies.length;
  }

  /** Checks and adds injected replies (all or none); throws a RangeError naming the first bad one. */
  inject(input: unknown, now: number): MoBody[] {
    const items = Array.isArray(input) ? input : [input];
    const parsed = items.map((item, i) => toStored(item, i, now));
    for (const p of parsed) {
      // Kept in time order, so that a window is a slice; injected replies are nearly always the newest.
      let j = this.replies.length;
      while (j > 0 && this.replies[j - 1].at > p.at) j--;
      this.replies.splice(j, 0, p);
    }
    return parsed.map((p) => p.body);
  }

  /** Replies received from start to end, both included, oldest first. */
  within(start: number, end: number): MoBody[] {
    return this.replies.filter((r) => r.at >= start && r.at <= end).map((r) => r.body);
  }

  clear(): void {
    this.replies = [];
  }
}

function toStored(item: unknown, index: number, now: number): StoredMo {
  const where = `reply ${index}`;
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw new RangeError(`${where} must be an object {number, content, sendId?, receiveTime?}`);
  const r = item as Record<string, unknown>;
  if (typeof r.number !== 'string' || !/^\+?\d{6,15}$/.test(r.number))
    throw new RangeError(`${where}: number must be a string of 6 to 15 digits`);
  if (typeof r.content !== 'string') throw new RangeError(`${where}: content must be a string`);
  if (r.sendId !== undefined && typeof r.sendId !== 'string') throw new RangeError(`${where}: sendId must be a string`);
  const at = r.receiveTime === undefined ? now : parseGatewayTime(r.receiveTime);
  if (at === null) throw new RangeError(`${where}: receiveTime must be an ISO 8601 time with an offset, or ms since the epoch`);
  const number = r.number.replace(/^\+/, '');
  const mcc = Number(mccOf(number));
  return {
    at,
    body: {
      number,
      sendId: r.sendId ?? '',
      receiveTime: formatGatewayTime(at),
      content: r.content,
      mcc,
      mnc: -1,
      operator: 'Simulated',
      pricedetail: { pay: '0', chargeCnt: 1, currency: 'USD', price: '0' },
    },
  };
}
