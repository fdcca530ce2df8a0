// The benchmark's peer: sipgate's own webhook server (npm package sipgateio), answering newCall
// and subscribing to answer/hangup like the bot does. Usage: node server.js PORT PATH
'use strict';

const { createWebhookModule } = require('sipgateio');

const port = Number(process.argv[2]);
const path = process.argv[3] || '/';
// serverAddress must match the request's host and path, or the library logs an error per request.
const serverAddress = `http://127.0.0.1:${port}${path}`;

createWebhookModule()
  .createServer({ port, hostname: '127.0.0.1', serverAddress })
  .then((server) => {
    server.onNewCall(() => undefined);
    server.onAnswer(() => undefined);
    server.onHangUp(() => undefined);
    const stop = () => {
      server.stop();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    console.log(`peer listening on ${serverAddress}`);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
