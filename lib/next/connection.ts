import { currentStore, staticBailout } from '../context/request-store';

/** Marks the code after it as request-time only; with `dynamic = 'error'` that is an error. */
export function connection(): Promise<void> {
  const store = currentStore('connection');
  if (store.mode === 'error') throw staticBailout(store, 'connection');
  return Promise.resolve();
}
