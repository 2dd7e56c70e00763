'use strict';
/**
 * What both baselines share: the numbers of a recipients CSV, and the bare gateway call — signed like smsq's
 * client (Timestamp, Api-Key, Sign = md5(key + secret + timestamp)) with the simulator's credentials, over
 * keep-alive connections, on Node's http module directly so that nothing but the call itself is measured.
 */
const fs = require('node:fs');
const http = require('node:http');
const readline = require('node:readline');
const { SIMULATOR_CREDENTIALS } = require('../../dist/shared/config');
const { sign, timestampNow } = require('../../dist/shared/gateway/sign');

/**
 * Yields `{ number, orderId }` for each non-empty line, `number,orderId` or a number alone (its orderId then
 * generated like smsq's, `<tag>-<row>`).
 */
async function* recipientsIn(file, tag) {
  let row = 0;
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    row++;
    if (line === '') continue;
    const comma = line.indexOf(',');
    yield comma < 0 ? { number: line.trim(), orderId: `${tag}-${row}` } : { number: line.slice(0, comma), orderId: line.slice(comma + 1) };
  }
}

/** Returns `send(recipients, content)`, resolving to the gateway's `array` of accepted messages. */
function createSender(baseUrl, maxSockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const url = new URL(`${baseUrl}/sendSms`);
  const { apiKey, apiSecret, appId } = SIMULATOR_CREDENTIALS;
  return function send(recipients, content) {
    const timestamp = timestampNow();
    const body = JSON.stringify({
      appId,
      numbers: recipients.map((r) => r.number).join(','),
      content,
      senderId: '',
      orderId: recipients.map((r) => r.orderId).join(','),
    });
    const headers = {
      'Content-Type': 'application/json;charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
      Timestamp: timestamp,
      'Api-Key': apiKey,
      Sign: sign(apiKey, apiSecret, timestamp),
    };
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s) => (text += s));
        res.on('end', () => {
          // Parsed as any real client must, to learn the msgIds.
          const answer = JSON.parse(text);
          if (answer.status === '0') resolve(answer.array);
          else reject(new Error(`gateway answered ${answer.status} ${answer.reason}`));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

module.exports = { recipientsIn, createSender };
