/**
 * What `request.arrayBuffer()`, `text()`, `json()`, `blob()` and `formData()` make of a body read
 * straight from the socket, one chunk at a time as it arrives. Each keeps only what its result
 * needs — the bytes in their final place, decoded text, Blob parts — so that a large upload is held
 * about once, not as chunks plus their concatenation plus a copy (undici's way: three times).
 */
import { constants } from 'node:buffer';

export interface BodySink<T> {
  add(chunk: Buffer): void;
  /** The result, once the body has ended; throws (or rejects) when the body is not what it should be. */
  finish(): T | Promise<T>;
}

/** A declared body larger than this gets its buffer once this much of it has arrived (see bytesSink). */
const RESERVE_AFTER = 1024 * 1024;

/**
 * The bytes in one Buffer. A body that comes in one chunk is that chunk, uncopied. A large one with
 * a declared length is copied straight into a buffer of that size, reserved once its first MiB has
 * arrived (so a client cannot make us reserve gigabytes by declaring them); others are joined at the end.
 */
export function bytesSink(contentLength: string | undefined): BodySink<Buffer> {
  const declared = contentLength === undefined ? NaN : Number(contentLength);
  // Node's parser guarantees the body is exactly the declared length. One too large for a Buffer is joined, and fails there.
  const reserve = declared > RESERVE_AFTER && declared <= constants.MAX_LENGTH;
  let pending: Buffer[] = [];
  let received = 0;
  let target: Buffer | undefined;
  return {
    add(chunk) {
      if (target) {
        received += chunk.copy(target, received);
        return;
      }
      pending.push(chunk);
      received += chunk.byteLength;
      if (reserve && received >= RESERVE_AFTER) {
        target = Buffer.allocUnsafeSlow(declared);
        received = 0;
        for (const part of pending) received += part.copy(target, received);
        pending = [];
      }
    },
    finish() {
      if (target) return received === declared ? target : target.subarray(0, received);
      return pending.length === 1 ? pending[0] : Buffer.concat(pending, received);
    },
  };
}

/**
 * Text as `Response.text()` decodes it: UTF-8, a leading byte-order mark dropped — two, in fact, as
 * undici strips one and its decoder another — or kept with `keepBOM` (as undici reads a urlencoded
 * form). A body of one chunk is decoded at once; a longer one chunk by chunk, so its bytes are never
 * all held beside the text.
 */
export function textSink({ keepBOM = false } = {}): BodySink<string> {
  let first: Buffer | undefined;
  let decoder: TextDecoder | undefined;
  let text = '';
  let leading = !keepBOM;
  const decode = (chunk: Buffer, stream: boolean): void => {
    let piece = decoder!.decode(chunk, { stream });
    // The decoder dropped the first mark; a second one is dropped here, before the text grows.
    if (leading && piece.length > 0) {
      leading = false;
      if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
    }
    text += piece;
  };
  return {
    add(chunk) {
      if (!decoder) {
        if (first === undefined) {
          first = chunk;
          return;
        }
        decoder = new TextDecoder('utf-8', { ignoreBOM: keepBOM });
        decode(first, true);
        first = undefined;
      }
      decode(chunk, true);
    },
    finish() {
      if (!decoder) return first === undefined ? '' : keepBOM ? first.toString('utf8') : decodeUtf8(first);
      decode(Buffer.alloc(0), false);
      return text;
    },
  };
}

/** A Blob of the body, made of one Blob per chunk (Node composes Blobs of Blobs without copying). */
export function blobSink(type: string): BodySink<Blob> {
  const parts: Blob[] = [];
  return {
    add(chunk) {
      parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]));
    },
    finish: () => new Blob(parts, { type }),
  };
}

/** A body already in memory (rebuilt from what a body parser kept) through a sink. */
export async function readWhole<T>(bytes: Buffer, sink: BodySink<T>): Promise<T> {
  sink.add(bytes);
  return sink.finish();
}

/** UTF-8 as `Response.text()` decodes it: up to two leading byte-order marks dropped. */
export function decodeUtf8(bytes: Buffer): string {
  let start = 0;
  for (let marks = 0; marks < 2 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf; marks++) start += 3;
  return bytes.toString('utf8', start);
}
