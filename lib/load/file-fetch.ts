import { realpath, stat, type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const chunkSize = 64 * 1024;

/**
 * `fetch(new URL('./Inter.ttf', import.meta.url))` in route code: the file as a Response body,
 * as Next's bundler ships such assets with the route and its runtime answers their fetch. Only
 * files inside `root` (the project) are read, and none under a dot-name (`.env`, `.git/`): a
 * route that fetches a URL it was sent must not become a way to read the project's secrets.
 * Anything else rejects as the platform's fetch does for a URL it cannot fetch, with a TypeError
 * "fetch failed" whose cause says why.
 */
export async function fetchFile(url: URL, root: string, signal: AbortSignal | null | undefined): Promise<Response> {
  signal?.throwIfAborted();
  let file: string;
  try {
    file = await realpath(fileURLToPath(url));
    const projectRoot = await realRoot(root);
    const relative = path.relative(projectRoot, file);
    if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
      throw new Error(`${url.href} is outside the project (${root}); route code may fetch only files inside it`);
    }
    if (relative.split(path.sep).some((name) => name.startsWith('.'))) {
      throw new Error(`${url.href} is a hidden file of the project; route code may not fetch dot-files or files in dot-folders`);
    }
    if (!(await stat(file)).isFile()) throw new Error(`${url.href} is not a file`);
  } catch (cause) {
    throw new TypeError('fetch failed', { cause });
  }
  signal?.throwIfAborted();
  const response = new Response(fileBody(file), { status: 200 });
  // As a fetched Response, it tells where it came from.
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

const realRoots = new Map<string, Promise<string>>();

function realRoot(root: string): Promise<string> {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpath(root);
    realRoots.set(root, real);
    real.catch(() => realRoots.delete(root));
  }
  return real;
}

/** Opened on the first read, so a Response nobody reads holds no file descriptor. */
function fileBody(file: string): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  const close = async () => {
    const opened = handle;
    handle = undefined;
    await opened?.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        handle ??= await open(file, 'r');
        const chunk = new Uint8Array(chunkSize);
        const { bytesRead } = await handle.read(chunk, 0, chunkSize, null);
        if (bytesRead > 0) return controller.enqueue(chunk.subarray(0, bytesRead));
        await close();
        controller.close();
      } catch (error) {
        await close().catch(() => {});
        controller.error(error);
      }
    },
    cancel: close,
  });
}
