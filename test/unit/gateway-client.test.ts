import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from '../../src/shared/gateway/client';
import { createLogger } from '../../src/shared/logger';
import { testConfig } from '../support/env';
import { waitUntil } from '../support/wait-for';

/** A gateway that accepts every call and keeps its connections alive, counting them. */
let gateway: Server;
let baseUrl: string;

beforeAll(async () => {
  gateway = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ status: '0', reason: 'success', success: '1', fail: '0', array: [] })));
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
});

afterAll(() => new Promise((r) => gateway.close(r)));

const connections = () => new Promise<number>((resolve, reject) => gateway.getConnections((err, n) => (err ? reject(err) : resolve(n))));

it('closes its keep-alive connection to the gateway on close()', async () => {
  const client = new GatewayClient(testConfig('t-gateway-client', baseUrl).gateway, createLogger('silent'));
  expect(await client.send({ numbers: ['447700900001'], orderIds: ['o-1'], content: 'hi' })).toMatchObject({ kind: 'reply' });
  expect(await connections()).toBe(1);
  client.close();
  await waitUntil('the gateway to see the connection closed', async () => (await connections()) === 0, 5_000, 10);
});
