/**
 * `request.formData()` from a body that arrives chunk by chunk, with the entries the platform's own
 * `Response.formData()` (undici, Next's runtime) gives. A urlencoded body is text through
 * URLSearchParams, as undici reads it. A multipart body is cut into parts as it streams in by Dicer
 * (from @fastify/busboy), each part's bytes kept as Blobs; each part is then read by undici itself
 * — its headers, and its content too unless it is a plain file — so names, filenames, types,
 * base64 and text decoding follow whatever the running Node's undici does. A file's bytes are
 * never copied out of their Blobs, so a large upload is held about once instead of twice.
 */
import { Dicer } from '@fastify/busboy';
import { MIMEType } from 'whatwg-mimetype';
import { textSink, type BodySink } from './body-sinks';

/** A sink for the body's Content-Type, or undefined when undici would refuse it (it then says why). */
export function formDataReader(contentType: string | null): BodySink<FormData> | undefined {
  const type = contentType === null ? null : MIMEType.parse(contentType);
  if (type?.essence === 'application/x-www-form-urlencoded') return urlencodedSink();
  const boundary = type?.essence === 'multipart/form-data' ? type.parameters.get('boundary') : undefined;
  return boundary === undefined ? undefined : multipartSink(contentType!, boundary);
}

function urlencodedSink(): BodySink<FormData> {
  // undici decodes this body keeping a byte-order mark (it becomes part of the first name).
  const text = textSink({ keepBOM: true });
  return {
    add: (chunk) => text.add(chunk),
    finish() {
      const form = new FormData();
      for (const [name, value] of new URLSearchParams(text.finish() as string)) form.append(name, value);
      return form;
    },
  };
}

/** One part as Dicer delivered it: its header lines (lower-cased names, latin1 values) and its bytes. */
interface Part {
  header: Record<string, string[]>;
  content: Blob[];
}

/** What undici reads the body as when it fails; Dicer's reasons are kept as the cause. */
const parseFailure = (cause?: unknown) => new TypeError('Failed to parse body as FormData.', cause === undefined ? undefined : { cause });

function multipartSink(contentType: string, boundary: string): BodySink<FormData> {
  const parser = new Dicer({ boundary });
  const parts: Part[] = [];
  let unfinished = 0;
  let parsed = false;
  let failure: Error | undefined;
  let settle: (() => void) | undefined;
  const check = (): void => {
    if (failure || (parsed && unfinished === 0)) settle?.();
  };
  const fail = (cause: unknown): void => {
    failure ??= parseFailure(cause);
    check();
  };
  // undici allows nothing but line breaks before the first boundary and after the last.
  let outside = '';
  const keepOutside = (bytes: Buffer): void => void (outside += bytes.toString('latin1'));

  parser.on('preamble', (preamble) => preamble.on('data', keepOutside));
  parser.on('trailer', keepOutside);
  parser.on('part', (stream) => {
    // Listed as they begin, read in that order: a part's end may be reported after the next one's.
    const part: Part = { header: {}, content: [] };
    parts.push(part);
    unfinished++;
    stream.on('header', (header: Record<string, string[]>) => (part.header = header));
    stream.on('data', (chunk: Buffer) => part.content.push(new Blob([chunk as Uint8Array<ArrayBuffer>])));
    stream.on('error', fail);
    stream.on('end', () => {
      unfinished--;
      check();
    });
  });
  parser.on('error', fail);
  parser.on('finish', () => {
    parsed = true;
    check();
  });

  return {
    add(chunk) {
      if (!failure) parser.write(chunk);
    },
    async finish() {
      if (!failure) parser.end();
      await new Promise<void>((resolve) => {
        settle = resolve;
        check();
      });
      if (!failure && !/^(\r\n)*$/.test(outside)) failure = parseFailure(new Error('content before the first or after the last boundary'));
      if (failure) throw failure;
      const form = new FormData();
      for (const part of parts) {
        const [name, value] = await entryOf(part, contentType, boundary);
        form.append(name, value);
      }
      return form;
    },
  };
}

/**
 * Has undici read one part, framed as a form of its own. A part that may be a file (its
 * Content-Disposition names a filename) is first read without its content: a plain file then gets
 * the Blobs it already is. Anything else — a field, base64 — is read whole, as undici decodes it.
 */
async function entryOf(part: Part, contentType: string, boundary: string): Promise<[string, FormDataEntryValue]> {
  const lines = Object.entries(part.header).flatMap(([name, values]) => values.map((value) => `${name}: ${value}\r\n`));
  const head = Buffer.from(`--${boundary}\r\n${lines.join('')}\r\n`, 'latin1');
  const read = async (content: Blob[]): Promise<[string, FormDataEntryValue]> => {
    const body = new Blob([head, ...content, `\r\n--${boundary}--`]);
    const entries = [...(await new Response(body, { headers: { 'content-type': contentType } }).formData())];
    if (entries.length !== 1) throw parseFailure();
    return entries[0];
  };
  const mayBeFile = part.header['content-disposition']?.some((value) => value.includes('filename')) === true;
  if (!mayBeFile || part.header['content-transfer-encoding']) return read(part.content);
  const [name, value] = await read([]);
  if (typeof value === 'string') return read(part.content);
  return [name, new File(part.content, value.name, { type: value.type, lastModified: value.lastModified })];
}
