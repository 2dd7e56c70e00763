'use strict';
/**
 * The redirect scenario's baseline, the ceiling of one Node process on this machine: Node's http server alone,
 * answering GET /<code> with a 302 to the code's URL from a Map in memory — no Fastify, no Redis, no robot check,
 * nothing counted. Its rate beside smsq server's, measured by the same load generator on the same CPU, shows what
 * the redirect's own work costs over plain HTTP. Prints `listening on http://127.0.0.1:PORT` once it listens.
 *
 *   node bench/baselines/bare-redirect.js CODES_FILE     (lines `<code>\t<url>`)
 */
const fs = require('node:fs');
const http = require('node:http');

function main([codesFile]) {
  const urls = new Map();
  for (const line of fs.readFileSync(codesFile, 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) urls.set(line.slice(0, tab), line.slice(tab + 1));
  }
  const server = http.createServer((req, res) => {
    const url = urls.get(req.url.slice(1));
    // The headers smsq's redirect sets (Node adds Date and Connection to both), so that both write about as much.
    if (url === undefined)
      res.writeHead(404, { 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' }).end('unknown\n');
    else res.writeHead(302, { 'cache-control': 'private, no-store', location: url, 'content-length': 0 }).end();
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`));
  process.once('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
}

main(process.argv.slice(2));
