import { NextURL } from '../lib/next/next-url';

describe('NextURL', () => {
  test('exposes the URL parts', () => {
    const url = new NextURL('http://user:pw@example.com:8080/a/b?x=1&y=2#h');
    expect(url.protocol).toBe('http:');
    expect(url.username).toBe('user');
    expect(url.password).toBe('pw');
    expect(url.host).toBe('example.com:8080');
    expect(url.hostname).toBe('example.com');
    expect(url.port).toBe('8080');
    expect(url.pathname).toBe('/a/b');
    expect(url.search).toBe('?x=1&y=2');
    expect([...url.searchParams]).toEqual([['x', '1'], ['y', '2']]);
    expect(url.hash).toBe('#h');
    expect(url.origin).toBe('http://example.com:8080');
    // Like Next, credentials are not part of href.
    expect(url.href).toBe('http://example.com:8080/a/b?x=1&y=2#h');
  });

  test('Next-specific defaults', () => {
    const url = new NextURL('http://example.com/');
    expect(url.basePath).toBe('');
    expect(url.buildId).toBeUndefined();
    expect(url.locale).toBe('');
    expect(url.defaultLocale).toBeUndefined();
    expect(url.domainLocale).toBeUndefined();
    expect(url.href).toBe('http://example.com/');
  });

  test('accepts a base and a URL object', () => {
    expect(new NextURL('/x?a=1', 'http://example.com/ignored').href).toBe('http://example.com/x?a=1');
    expect(new NextURL('/x', new URL('https://example.com')).href).toBe('https://example.com/x');
    expect(new NextURL(new URL('https://example.com/y')).href).toBe('https://example.com/y');
    expect(() => new NextURL('/relative')).toThrow('Invalid URL');
  });

  describe('loopback hostnames read as localhost', () => {
    test.each([
      ['http://127.0.0.1:3000/x', 'http://localhost:3000/x'],
      ['http://127.1.2.3:3000/x', 'http://localhost:3000/x'],
      ['http://127.1/x', 'http://localhost/x'],
      ['http://[::1]:3000/x?q=1', 'http://localhost:3000/x?q=1'],
      ['https://localhost/x', 'https://localhost/x'],
    ])('%s', (input, href) => {
      const url = new NextURL(input);
      expect(url.href).toBe(href);
      expect(url.hostname).toBe('localhost');
      expect(url.host).toBe(new URL(href).host);
      expect(url.origin).toBe(new URL(href).origin);
      expect(String(url)).toBe(href);
    });

    test('in the base too', () => {
      expect(new NextURL('/x', 'http://127.0.0.1:3000').href).toBe('http://localhost:3000/x');
    });

    test('only the hostname is rewritten', () => {
      expect(new NextURL('http://example.com/ip/127.0.0.1').href).toBe('http://example.com/ip/127.0.0.1');
      expect(new NextURL('http://128.0.0.1/').hostname).toBe('128.0.0.1');
      expect(new NextURL('http://[::2]/').hostname).toBe('[::2]');
    });
  });

  test('setters update the URL parts and href', () => {
    const url = new NextURL('http://example.com/a?x=1#h');
    url.protocol = 'https';
    url.hostname = 'other.test';
    url.port = '8443';
    url.pathname = '/b';
    url.search = '?y=2';
    url.hash = 'frag';
    expect(url.href).toBe('https://other.test:8443/b?y=2#frag');
    url.host = 'third.test:9000';
    expect(url.host).toBe('third.test:9000');
    expect(url.port).toBe('9000');
    url.username = 'u';
    url.password = 'p';
    expect(url.username).toBe('u');
    expect(url.password).toBe('p');
    expect(url.href).toBe('https://third.test:9000/b?y=2#frag');
    expect(url.origin).toBe('https://third.test:9000');
  });

  test('searchParams is live', () => {
    const url = new NextURL('http://example.com/a?x=1');
    const params = url.searchParams;
    params.append('y', 'two words');
    expect(url.search).toBe('?x=1&y=two+words');
    expect(url.href).toBe('http://example.com/a?x=1&y=two+words');
    params.delete('x');
    params.delete('y');
    expect(url.href).toBe('http://example.com/a');
    url.search = '?z=3';
    expect(url.searchParams.get('z')).toBe('3');
    expect(url.searchParams).toBe(params);
  });

  describe('basePath', () => {
    test('is prepended to href only', () => {
      const url = new NextURL('http://example.com/api/x?q=1#h');
      url.basePath = '/base';
      expect(url.basePath).toBe('/base');
      expect(url.pathname).toBe('/api/x');
      expect(url.href).toBe('http://example.com/base/api/x?q=1#h');
      expect(url.origin).toBe('http://example.com');
    });

    test('gets a leading slash', () => {
      const url = new NextURL('http://example.com/api');
      url.basePath = 'docs';
      expect(url.basePath).toBe('/docs');
      expect(url.href).toBe('http://example.com/docs/api');
    });

    test('root path under a basePath has no trailing slash', () => {
      const url = new NextURL('http://example.com/');
      url.basePath = '/base';
      expect(url.href).toBe('http://example.com/base');
    });

    test("'' clears it", () => {
      const url = new NextURL('http://example.com/a');
      url.basePath = '/base';
      url.basePath = '';
      expect(url.basePath).toBe('');
      expect(url.href).toBe('http://example.com/a');
    });
  });

  describe('buildId', () => {
    test('turns href into a data URL', () => {
      const url = new NextURL('http://example.com/blog/post?x=1');
      url.buildId = 'abc';
      expect(url.buildId).toBe('abc');
      expect(url.pathname).toBe('/blog/post');
      expect(url.href).toBe('http://example.com/_next/data/abc/blog/post.json?x=1');
      url.basePath = '/base';
      expect(url.href).toBe('http://example.com/base/_next/data/abc/blog/post.json?x=1');
      url.buildId = undefined;
      expect(url.href).toBe('http://example.com/base/blog/post?x=1');
    });

    test('root becomes index.json', () => {
      const url = new NextURL('http://example.com/');
      url.buildId = 'abc';
      expect(url.href).toBe('http://example.com/_next/data/abc/index.json');
    });
  });

  describe('trailing slash style comes from the parsed URL', () => {
    test('kept when the original path had one', () => {
      const url = new NextURL('http://example.com/api/echo/?a=1');
      expect(url.pathname).toBe('/api/echo/');
      expect(url.href).toBe('http://example.com/api/echo/?a=1');
      url.pathname = '/other';
      expect(url.pathname).toBe('/other');
      expect(url.href).toBe('http://example.com/other/?a=1');
    });

    test('removed when the original path had none', () => {
      const url = new NextURL('http://example.com/api');
      url.pathname = '/other/';
      expect(url.pathname).toBe('/other/');
      expect(url.href).toBe('http://example.com/other');
    });

    test('root keeps its slash', () => {
      const url = new NextURL('http://example.com/a/');
      url.pathname = '/';
      expect(url.href).toBe('http://example.com/');
    });
  });

  test('href setter re-parses and resets basePath and buildId', () => {
    const url = new NextURL('http://example.com/a');
    url.basePath = '/base';
    url.buildId = 'abc';
    url.href = 'http://127.0.0.1:4000/b/?k=v';
    expect(url.basePath).toBe('');
    expect(url.buildId).toBeUndefined();
    expect(url.pathname).toBe('/b/');
    expect(url.href).toBe('http://localhost:4000/b/?k=v');
    expect(() => {
      url.href = '/relative';
    }).toThrow('Invalid URL');
    expect(url.href).toBe('http://localhost:4000/b/?k=v');
  });

  test('locale cannot be set without i18n config', () => {
    const url = new NextURL('http://example.com/');
    expect(() => {
      url.locale = 'fr';
    }).toThrow(new TypeError('The NextURL configuration includes no locale "fr"'));
    expect(() => {
      url.locale = '';
    }).toThrow('The NextURL configuration includes no locale ""');
    expect(url.locale).toBe('');
  });

  test('toString and toJSON return href', () => {
    const url = new NextURL('http://127.0.0.1:3000/x?a=1');
    url.basePath = '/b';
    expect(url.toString()).toBe('http://localhost:3000/b/x?a=1');
    expect(url.toJSON()).toBe('http://localhost:3000/b/x?a=1');
    expect(`${url}`).toBe('http://localhost:3000/b/x?a=1');
    expect(JSON.stringify({ url })).toBe('{"url":"http://localhost:3000/b/x?a=1"}');
  });

  test('clone is independent and keeps href and basePath', () => {
    const url = new NextURL('http://example.com/a?x=1#h');
    url.basePath = '/base';
    const copy = url.clone();
    expect(copy).toBeInstanceOf(NextURL);
    expect(copy).not.toBe(url);
    expect(copy.href).toBe('http://example.com/base/a?x=1#h');
    expect(copy.basePath).toBe('/base');
    expect(copy.pathname).toBe('/a');

    copy.pathname = '/b';
    copy.searchParams.set('x', '2');
    copy.basePath = '/other';
    expect(url.href).toBe('http://example.com/base/a?x=1#h');
    expect(copy.href).toBe('http://example.com/other/b?x=2#h');
  });

  test('clone keeps buildId and trailing-slash style', () => {
    const url = new NextURL('http://example.com/a/');
    url.buildId = 'id';
    const copy = url.clone();
    expect(copy.buildId).toBe('id');
    expect(copy.href).toBe(url.href);
    copy.buildId = undefined;
    copy.pathname = '/b';
    expect(copy.href).toBe('http://example.com/b/');
  });
});
