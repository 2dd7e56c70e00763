import { createServer, type Server } from 'node:http';
import { createServer as netServer, type AddressInfo, type Socket } from 'node:net';
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

it('calls a send whose deadline passed before its connection opened (a TLS handshake that never ends) not sent', async () => {
  // A TCP server that takes the connection and never speaks: the TLS handshake, and with it the request, never happens.
  const sockets = new Set<Socket>();
  const silent = netServer((socket) => sockets.add(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}/sms`;
  const client = new GatewayClient({ ...testConfig('t-gateway-client', url).gateway, responseTimeoutMs: 300 }, createLogger('silent'));
  try {
    expect(await client.send({ numbers: ['447700900001'], orderIds: ['o-1'], content: 'hi' })).toMatchObject({
      kind: 'not-sent',
      errorCode: 'ETIMEDOUT',
    });
  } finally {
    client.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => silent.close(r));
  }
});
