import { currentStore, requestStorage, type RequestStore } from '../context/request-store';

/**
 * Runs `task` (a function or a promise) after the response has finished — also when the handler
 * threw or redirected. Its errors are logged, never sent. `headers()`/`cookies()` work inside it.
 */
export function after<T>(task: Promise<T> | (() => T | Promise<T>)): void {
  const store = currentStore('after');
  if (typeof task !== 'function' && !isPromiseLike(task)) {
    throw new Error('`after()`: Argument must be a promise or a function');
  }
  if (isPromiseLike(task)) task.then(undefined, (error: unknown) => console.error('A promise passed to `after()` rejected:', error));
  if (!store.afterTasks) {
    store.afterTasks = [];
    whenResponseDone(store, () => runAfterTasks(store));
  }
  if (started.has(store)) runTask(store, task);
  else store.afterTasks.push(task);
}

function whenResponseDone(store: RequestStore, run: () => void): void {
  const { res } = store;
  if (res.writableFinished || res.destroyed) {
    setImmediate(run);
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  res.once('finish', once);
  res.once('close', once);
}

/** Requests whose callbacks have started: a later `after()` (from inside a callback) runs at once. */
const started = new WeakSet<RequestStore>();

/** Like Next.js, callbacks run concurrently: one that waits does not hold the others back. */
function runAfterTasks(store: RequestStore): void {
  started.add(store);
  for (const task of store.afterTasks ?? []) runTask(store, task);
}

function runTask(store: RequestStore, task: unknown): void {
  if (typeof task !== 'function') return;
  const report = (error: unknown) => console.error('An error occurred in a function passed to `after()`:', error);
  try {
    const result = requestStorage.run(store, task as () => unknown);
    if (isPromiseLike(result)) result.then(undefined, report);
  } catch (error) {
    report(error);
  }
}

function isPromiseLike(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | null)?.then === 'function';
}
