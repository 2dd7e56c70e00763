import { withIsoTimes } from '../../src/shared/campaign/json';

describe('times in the API', () => {
  it('turns every number in a field named at or ending in At into ISO 8601, at any depth', () => {
    const ms = Date.UTC(2026, 0, 31, 8, 30);
    expect(withIsoTimes({ createdAt: ms, finishedAt: undefined, paused: { by: 'operator', at: ms }, counts: { total: 3 } })).toEqual({
      createdAt: '2026-01-31T08:30:00.000Z',
      finishedAt: undefined,
      paused: { by: 'operator', at: '2026-01-31T08:30:00.000Z' },
      counts: { total: 3 },
    });
  });

  it('leaves times already written as text, arrays and other numbers as they are', () => {
    const windows = [{ start: '2026-01-31T08:00:00.000Z', at: 5 }];
    expect(withIsoTimes({ reportedAt: '2026-01-31T08:00:00.000Z', windows, total: 7 })).toEqual({
      reportedAt: '2026-01-31T08:00:00.000Z',
      windows,
      total: 7,
    });
  });
});
