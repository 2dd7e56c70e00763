import http from 'node:http';
import { Readable } from 'node:stream';
import { PENDING_TTL_MS } from '../../../src/producer/pending-batches';
import { useCampaignStack } from '../../support/campaigns';
import { keysMatching, testRedis, waitFor, waitUntil } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';

/**
 * A streamed upload that does not reach its end — cut by the server at API_STREAM_BODY_LIMIT (413), or by a client
 * that goes away mid-stream — leaves none of the batches it had staged: they are deleted at once, not left to a TTL.
 */
const stack = useCampaignStack('upload-aborts', {
  simulator: false,
  producer: false,
  app: 'listen',
  // Batches of 100, so that an upload cut after a few KB has staged several of them already.
  env: { SMS_BATCH_SIZE: '100', API_STREAM_BODY_LIMIT: '200000' },
});
const redis = testRedis();
afterAll(() => redis.disconnect());

const line = (i: number) => `{"number":"${447_733_000_000 + i}","orderId":"o-${i}"}\n`;
const staged = (campaignId: string) => keysMatching(redis, `${stack.prefix}:campaign:${campaignId}:batch:*`);

it('an upload cut at API_STREAM_BODY_LIMIT (413) leaves no staged batch', async () => {
  let i = 0;
  // About 45 bytes a line: 10,000 lines pass the 200,000-byte limit after some 4,400, in 44 batches of 100.
  const body = new Readable({
    read() {
      this.push(i < 10_000 ? line(i++) : null);
    },
  });
  const res = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns?campaignId=cut-413&content=Hi',
    headers: { ...BEARER, 'content-type': 'application/x-ndjson' },
    payload: body,
  });
  expect(res.statusCode).toBe(413);
  expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
  await waitUntil('the staged batches of the cut upload to be gone', async () => (await staged('cut-413')).length === 0, 10_000);
  expect(await redis.exists(`${stack.prefix}:campaign:cut-413`)).toBe(0);
});

it('an upload whose client goes away mid-stream leaves no staged batch', async () => {
  const req = http.request(`${stack.url}/v1/campaigns?campaignId=gone&content=Hi`, {
    method: 'POST',
    headers: { ...BEARER, 'content-type': 'application/x-ndjson' },
  });
  req.on('error', () => undefined);
  let i = 0;
  const writeSome = () => {
    let chunk = '';
    for (const end = i + 500; i < end; i++) chunk += line(i);
    req.write(chunk);
  };
  // Written until the server has staged some batches, then the socket is destroyed, as a client that crashed.
  await waitFor(
    'the server to stage batches of the upload',
    async () => {
      writeSome();
      return (await staged('gone')).length >= 3 ? true : undefined;
    },
    20_000,
    50,
  );
  // Until the campaign is committed its batches live two minutes at most: a server killed now leaves them that long.
  const ttl = await redis.pttl((await staged('gone'))[0]);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(PENDING_TTL_MS);
  req.destroy();
  await waitUntil('the staged batches of the abandoned upload to be gone', async () => (await staged('gone')).length === 0, 10_000);
  expect(await redis.exists(`${stack.prefix}:campaign:gone`)).toBe(0);
});
