// Child process for durability.test.ts: writes to a SqliteStore (synchronous=FULL) as
// fast as it can and prints "<i>" on stdout once write i is acknowledged, until killed.
// Each step creates /durable/<i> and moves /durable-counter to i.

import { SqliteStore } from './sqlite-store.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: durability-writer.ts <db path>');

const store = new SqliteStore(path);
let counter = await store.create('/durable-counter', '0');
for (let i = 1; ; i++) {
  await store.create(`/durable/${String(i).padStart(8, '0')}`, `value-${i}`);
  counter = await store.update('/durable-counter', String(i), counter.modRevision);
  process.stdout.write(`${i}\n`);
}
