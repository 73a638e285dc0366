import { NextResponse } from '../next/response';

const NativeResponse = globalThis.Response;

/**
 * What the name `Response` means inside route files (and nowhere else): the same API, but text and
 * JSON bodies skip undici's stream setup, which costs more than the rest of a small request.
 * `instanceof Response` still accepts every native Response, e.g. from `fetch()`.
 */
export class RouteResponse extends NextResponse {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof NativeResponse;
  }

  /** The platform's redirect (302 by default, relative URLs rejected), not NextResponse's. */
  static override redirect(url: string | URL, status?: number): NextResponse {
    return NativeResponse.redirect(url, status) as NextResponse;
  }
}

// Error messages and logs name the class the user wrote.
Object.defineProperty(RouteResponse, 'name', { value: 'Response' });
