import { unbatch } from '../../../src/producer/unbatch';

async function* batches(...all: number[][]): AsyncGenerator<number[]> {
  for (const b of all) yield b;
}

describe('unbatch', () => {
  it('yields every item of every batch in order, empty batches included', async () => {
    const items: number[] = [];
    for await (const item of unbatch(batches([1, 2], [], [3], [], [4, 5, 6]))) items.push(item);
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps the order when next() is called again before the last one settled', async () => {
    const items = unbatch(batches([1], [2, 3], [4]));
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => items.next()));
    expect(results).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
      { done: false, value: 4 },
      { done: true, value: undefined },
    ]);
  });

  it('stops the batches when the reader stops early', async () => {
    let stopped = false;
    async function* endless(): AsyncGenerator<number[]> {
      try {
        for (let i = 0; ; i++) yield [i, i];
      } finally {
        stopped = true;
      }
    }
    for await (const item of unbatch(endless())) if (item === 3) break;
    expect(stopped).toBe(true);
  });

  it('passes on an error of the batches after the items before it, and is done after it', async () => {
    async function* failing(): AsyncGenerator<number[]> {
      yield [1, 2];
      throw new Error('disk gone');
    }
    const items = unbatch(failing());
    expect([await items.next(), await items.next()]).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
    ]);
    await expect(items.next()).rejects.toThrow('disk gone');
    expect(await items.next()).toEqual({ done: true, value: undefined });
  });
});
