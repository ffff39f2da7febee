#!/usr/bin/env node
// A small HTTP app for self-healing tests, with switches:
//   GET /healthz      200 "ok" (or 500 after /fail, or never answers after /hang)
//   GET /             "hello from <hostname> v<VERSION>"
//   GET /fail         /healthz starts answering 500
//   GET /hang         /healthz stops answering
//   GET /crash        the process exits with code 3
//   GET /burn?ms=N    burns CPU for N ms
//   GET /alloc?mb=N   allocates and keeps N MiB
// Listens on $PORT (default 8080) at $POD_IP (default 0.0.0.0). Env READY_DELAY_MS delays
// readiness; env CRASH_AFTER_MS exits with code 1 after that long.
import { createServer } from 'node:http';
import { hostname } from 'node:os';

let healthy = true;
let hanging = false;
const kept = [];
const started = Date.now();
const readyDelay = Number(process.env.READY_DELAY_MS ?? 0);

if (process.env.CRASH_AFTER_MS) setTimeout(() => process.exit(1), Number(process.env.CRASH_AFTER_MS));

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/healthz':
      if (hanging) return;
      if (!healthy || Date.now() - started < readyDelay) {
        res.writeHead(500).end('unhealthy');
        return;
      }
      res.end('ok');
      return;
    case '/fail':
      healthy = false;
      res.end('failing');
      return;
    case '/hang':
      hanging = true;
      res.end('hanging');
      return;
    case '/crash':
      res.end('crashing');
      setImmediate(() => process.exit(3));
      return;
    case '/burn': {
      const until = Date.now() + Number(url.searchParams.get('ms') ?? 100);
      while (Date.now() < until);
      res.end('burned');
      return;
    }
    case '/alloc': {
      const mb = Number(url.searchParams.get('mb') ?? 10);
      for (let i = 0; i < mb; i++) kept.push(Buffer.alloc(1024 * 1024, 1));
      res.end(`allocated ${kept.length} MiB`);
      return;
    }
    default:
      res.end(`hello from ${hostname()} v${process.env.VERSION ?? '1'}\n`);
  }
});
server.listen(Number(process.env.PORT ?? 8080), process.env.POD_IP ?? '0.0.0.0', () => {
  console.log(`listening on ${process.env.POD_IP ?? '0.0.0.0'}:${process.env.PORT ?? 8080}`);
});
process.on('SIGTERM', () => {
  console.log('SIGTERM received, shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
