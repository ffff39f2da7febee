import { runStoreConformance } from '../conformance.ts';
import { MemoryStore } from './memory-store.ts';

runStoreConformance('memory', async (options) => ({
  store: new MemoryStore(options),
  cleanup: async () => {},
}));
