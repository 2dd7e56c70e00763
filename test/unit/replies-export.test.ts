import { parseSince, REPLIES_CSV_HEADER, replyCsvLine } from '../../src/shared/replies/replies-csv';

describe('the replies export', () => {
  it.each([
    ['2026-11-29', Date.UTC(2026, 10, 29)],
    ['2026-11-29T10:00:00Z', Date.UTC(2026, 10, 29, 10)],
    ['2026-11-29T10:00', Date.UTC(2026, 10, 29, 10)],
    ['2026-11-29 18:00:00+08:00', Date.UTC(2026, 10, 29, 10)],
    ['2026-11-29T10:00:00.250Z', Date.UTC(2026, 10, 29, 10, 0, 0, 250)],
  ])('reads --since %j (a time without an offset is UTC)', (text, ms) => {
    expect(parseSince(text)).toBe(ms);
  });

  it.each(['yesterday', '29/11/2026', '2026-13-01', '1732874400000', ''])('refuses --since %j', (text) => {
    expect(parseSince(text)).toBeNull();
  });

  it('writes one CSV line per reply, quoting what needs it', () => {
    expect(REPLIES_CSV_HEADER.split(',')).toHaveLength(14);
    const line = replyCsvLine({
      id: '1732874400000-0',
      number: '447700900123',
      content: 'Stop, "please"\nnow',
      receivedAt: '2026-11-29T10:00:00.000Z',
      sendId: 'SHOP',
      campaignId: 'spring',
      source: 'push',
      keyword: 'stop',
      listChange: 'added',
      mcc: '234',
    });
    expect(line).toBe('2026-11-29T10:00:00.000Z,447700900123,"Stop, ""please""\nnow",spring,stop,added,SHOP,push,234,,,,,1732874400000-0');
  });
});
