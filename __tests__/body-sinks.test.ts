/**
 * The body readers that take a request body chunk by chunk from the socket (lib/http/body-sinks,
 * form-data-sink) must give what undici — Next's runtime — gives for the same bytes, wherever the
 * chunks happen to be cut. Each case is read both ways: undici on the whole body, ours on pieces.
 */
import fc from 'fast-check';
import { blobSink, bytesSink, readWhole, textSink, type BodySink } from '../lib/http/body-sinks';
import { formDataReader } from '../lib/http/form-data-sink';
import { directBody, NextRequest } from '../lib/next/request';

/** Feeds `bytes` to `sink` cut at `cuts` (offsets), as a socket might deliver them. */
async function feed<T>(sink: BodySink<T>, bytes: Buffer, cuts: number[] = []): Promise<T> {
  let start = 0;
  for (const cut of [...new Set(cuts)].filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b)) {
    sink.add(bytes.subarray(start, cut));
    start = cut;
  }
  if (start < bytes.length || bytes.length === 0) sink.add(bytes.subarray(start));
  return sink.finish();
}

type Entry = [string, string | { name: string; type: string; bytes: number[] }];

async function entriesOf(form: FormData): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const [name, value] of form) {
    entries.push([name, typeof value === 'string' ? value : { name: value.name, type: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] }]);
  }
  return entries;
}

/** undici's answer for the body, or its error's message. */
async function undiciForm(bytes: Buffer, contentType: string): Promise<Entry[] | string> {
  try {
    return await entriesOf(await new Response(new Uint8Array(bytes), { headers: { 'content-type': contentType } }).formData());
  } catch (error) {
    return (error as Error).message;
  }
}

async function ourForm(bytes: Buffer, contentType: string, cuts: number[]): Promise<Entry[] | string> {
  const sink = formDataReader(contentType);
  if (!sink) return 'undici decides';
  try {
    return await entriesOf(await feed(sink, bytes, cuts));
  } catch (error) {
    return (error as Error).message;
  }
}

const cutsFor = (length: number) => fc.array(fc.integer({ min: 0, max: Math.max(0, length) }), { maxLength: 12 });

describe('multipart/form-data, read as it arrives, gives what undici gives', () => {
  const part = fc.oneof(
    fc.tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
    fc.tuple(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.record({
        filename: fc.string({ unit: 'grapheme', maxLength: 16 }),
        type: fc.constantFrom('', 'text/plain', 'Application/Octet-Stream', 'image/png', 'text/plain; charset=utf-8'),
        bytes: fc.uint8Array({ maxLength: 300 }),
      }),
    ),
  );

  it('for any form undici serialises, cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 6 }), fc.nat(), async (parts, seed) => {
        const form = new FormData();
        for (const [name, value] of parts) {
          if (typeof value === 'string') form.append(name, value);
          else form.append(name, new Blob([value.bytes as Uint8Array<ArrayBuffer>], { type: value.type }), value.filename);
        }
        const response = new Response(form);
        const contentType = response.headers.get('content-type')!;
        const bytes = Buffer.from(await response.arrayBuffer());
        const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0];
        expect(await ourForm(bytes, contentType, cuts)).toEqual(await undiciForm(bytes, contentType));
      }),
      { numRuns: 150 },
    );
  });

  const boundary = '----erh-test-boundary-0123456789';
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const body = (...parts: string[]) => Buffer.from(parts.map((text) => `--${boundary}\r\n${text}\r\n`).join('') + `--${boundary}--\r\n`, 'latin1');

  it.each([
    ['a field', body('Content-Disposition: form-data; name="a"\r\n\r\nvalue')],
    ['a file without Content-Type (text/plain)', body('Content-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nbytes')],
    ['a file whose Content-Type keeps its parameters', body('Content-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: Text/Plain; Charset=UTF-8  \r\n\r\nx')],
    ['a non-ASCII Content-Type (empty type)', body('Content-Disposition: form-data; name="f"; filename="a"\r\nContent-Type: t\xe9xt/plain\r\n\r\nx')],
    ['an empty filename (still a file)', body('Content-Disposition: form-data; name="f"; filename=""\r\n\r\nx')],
    ['an octet-stream part without filename (a field)', body('Content-Disposition: form-data; name="f"\r\nContent-Type: application/octet-stream\r\n\r\nbytes')],
    ['filename* in UTF-8', body("Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\nx")],
    ['UTF-8 names and values', body('Content-Disposition: form-data; name="n\xc3\xa4me"; filename="f\xc3\xaf.txt"\r\n\r\nv', 'Content-Disposition: form-data; name="\xc3\xa9"\r\n\r\n\xef\xbb\xbfw\xc3\xa9')],
    ['escaped quotes and line breaks in names', body('Content-Disposition: form-data; name="a%22b%0Ac%0dd"\r\n\r\nv')],
    ['a base64 field and file', body('Content-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=', 'Content-Disposition: form-data; name="f"; filename="b"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==')],
    ['leading and trailing CRLFs', Buffer.concat([Buffer.from('\r\n\r\n'), body('Content-Disposition: form-data; name="a"\r\n\r\nv'), Buffer.from('\r\n')])],
    ['no parts', Buffer.from(`--${boundary}--\r\n`)],
    ['a value holding CRLF--', body('Content-Disposition: form-data; name="a"\r\n\r\nline\r\n--not-the-boundary\r\n')],
    ['a missing closing boundary', Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nv`)],
    ['a part without Content-Disposition', body('Content-Type: text/plain\r\n\r\nv')],
    ['a Content-Disposition that is not form-data; name="', body('Content-Disposition: form-data;name="a"\r\n\r\nv')],
    ['an unterminated name', body('Content-Disposition: form-data; name="a\r\n\r\nv')],
    ['filename* in another charset', body("Content-Disposition: form-data; name=\"f\"; filename*=iso-8859-1''a.txt\r\n\r\nx")],
  ])('%s', async (_case, bytes) => {
    const expected = await undiciForm(bytes, contentType);
    for (const cuts of [[], [1], [bytes.length >> 1], Array.from({ length: bytes.length }, (_, at) => at)]) {
      expect(await ourForm(bytes, contentType, cuts)).toEqual(expected);
    }
  });

  it('leaves a Content-Type undici refuses to undici, for its own error', async () => {
    expect(formDataReader('multipart/form-data')).toBeUndefined();
    expect(formDataReader('text/plain')).toBeUndefined();
    expect(formDataReader(null)).toBeUndefined();
    expect(formDataReader('not a type')).toBeUndefined();
  });
});

describe('urlencoded forms, text, bytes and blobs', () => {
  it('reads urlencoded forms as undici does, a byte-order mark included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), fc.boolean(), fc.nat(), async (text, bom, seed) => {
        const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text)]);
        const type = 'application/x-www-form-urlencoded;charset=UTF-8';
        const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0];
        expect(await ourForm(bytes, type, cuts)).toEqual(await undiciForm(bytes, type));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes text like Response.text(): UTF-8 cut inside a character, invalid bytes, a byte-order mark', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), fc.constantFrom([], [0xef, 0xbb, 0xbf]), fc.nat(), async (random, bom, seed) => {
        const bytes = Buffer.concat([Buffer.from(bom), Buffer.from(bom), Buffer.from('é€😀'), Buffer.from(random)]);
        const cuts = fc.sample(cutsFor(bytes.length), { numRuns: 1, seed })[0];
        expect(await feed(textSink(), bytes, cuts)).toBe(await new Response(new Uint8Array(bytes)).text());
      }),
      { numRuns: 200 },
    );
  });

  it('gathers bytes exactly, with or without a declared length', async () => {
    const large = Buffer.alloc(3 * 1024 * 1024 + 7, 'x');
    large.write('start', 0);
    large.write('end', large.length - 3);
    for (const declared of [String(large.length), undefined]) {
      const gathered = await feed(bytesSink(declared), large, [1, 65536, 1024 * 1024, 2 * 1024 * 1024 + 3]);
      expect(gathered.equals(large)).toBe(true);
    }
    // One chunk is the body itself, not a copy.
    const single = Buffer.from('one chunk');
    expect((await feed(bytesSink('9'), single)).buffer).toBe(single.buffer);
  });

  it('gives a Blob of the bytes with the type undici gives', async () => {
    const bytes = Buffer.from('blob body');
    const blob = await feed(blobSink('text/plain;charset=utf-8'), bytes, [2, 5]);
    expect(Buffer.from(await blob.arrayBuffer()).toString()).toBe('blob body');
    expect(blob.type).toBe((await new Response(new Uint8Array(bytes), { headers: { 'content-type': 'Text/Plain; Charset=UTF-8' } }).blob()).type);
  });
});

describe('NextRequest reads its body through the sinks when the adapter gave it a socket reader', () => {
  const cases: [string, string, Buffer][] = [
    ['text', 'text/plain', Buffer.from('\ufeff\ufeffhé')],
    ['json', 'application/json', Buffer.from('\ufeff{"a":[1,"é"]}')],
    ['arrayBuffer', 'application/octet-stream', Buffer.from([0, 1, 2, 255])],
    ['blob', 'Text/Plain; Charset="UTF-8"', Buffer.from('blob')],
    ['formData', 'application/x-www-form-urlencoded', Buffer.from('a=1&b=%C3%A9&a=2')],
  ];

  it.each(cases)('%s() gives what the Web Request gives', async (method, type, bytes) => {
    const init = { method: 'POST', headers: { 'content-type': type, 'content-length': String(bytes.length) }, body: new Uint8Array(bytes) };
    const direct = new NextRequest('http://localhost/x', init);
    let used = 0;
    direct[directBody] = (sink) => {
      used++;
      return readWhole(bytes, sink);
    };
    const read = async (request: Request) => {
      const value = await (request as unknown as Record<string, () => Promise<unknown>>)[method]();
      if (value instanceof Blob) return { type: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] };
      if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
      if (value instanceof FormData) return [...value];
      return value;
    };
    expect(await read(direct)).toEqual(await read(new Request('http://localhost/x', init)));
    expect(used).toBe(1);
    expect(direct.bodyUsed).toBe(true);
    await expect(direct.text()).rejects.toThrow('Body is unusable');
  });
});
