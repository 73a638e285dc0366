import {
  parseCookieHeader,
  parseSetCookie,
  RequestCookies,
  ResponseCookies,
  serializeCookie,
  splitSetCookieHeader,
  type ResponseCookie,
} from '../lib/next/cookies';

const NOW = new Date('2025-01-02T03:04:05.000Z');

describe('parseCookieHeader', () => {
  test('splits on ";" followed by optional spaces', () => {
    expect([...parseCookieHeader('a=1; b=2;c=3;   d=4')]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
    ]);
  });

  test('a pair without "=" is "true"', () => {
    expect([...parseCookieHeader('flag; a=1')]).toEqual([
      ['flag', 'true'],
      ['a', '1'],
    ]);
  });

  test('values are URI-decoded and only split on the first "="', () => {
    const map = parseCookieHeader('b=%20x; k=a=b; e=; u=%E2%9C%93');
    expect(map.get('b')).toBe(' x');
    expect(map.get('k')).toBe('a=b');
    expect(map.get('e')).toBe('');
    expect(map.get('u')).toBe('✓');
  });

  test('undecodable values are dropped', () => {
    expect([...parseCookieHeader('bad=%E0%A4%A; ok=1; pct=100%')]).toEqual([['ok', '1']]);
    // A bad later duplicate leaves the earlier value in place.
    expect(parseCookieHeader('x=1; x=%ZZ').get('x')).toBe('1');
  });

  test('later duplicates win (keeping the first position)', () => {
    expect([...parseCookieHeader('x=1; y=2; x=3')]).toEqual([
      ['x', '3'],
      ['y', '2'],
    ]);
  });

  test('names are trimmed, values are not', () => {
    expect([...parseCookieHeader(' a =1 ; b= 2')]).toEqual([
      ['a', '1 '],
      ['b', ' 2'],
    ]);
  });

  test('empty header and empty pairs', () => {
    expect(parseCookieHeader('').size).toBe(0);
    expect([...parseCookieHeader(';a=1;;')]).toEqual([['a', '1']]);
  });
});

describe('serializeCookie', () => {
  test('name=value only', () => {
    expect(serializeCookie({ name: 'a', value: '1' })).toBe('a=1');
    expect(serializeCookie({ name: 'c', value: '' })).toBe('c=');
  });

  test('attribute order and value encoding', () => {
    expect(
      serializeCookie({
        name: 'b',
        value: 'two words;x',
        priority: 'high',
        partitioned: true,
        sameSite: 'lax',
        httpOnly: true,
        secure: true,
        domain: 'example.com',
        maxAge: 60,
        expires: new Date('2025-01-02T03:05:05.000Z'),
        path: '/p',
      }),
    ).toBe(
      'b=two%20words%3Bx; Path=/p; Expires=Thu, 02 Jan 2025 03:05:05 GMT; Max-Age=60; Domain=example.com; Secure; ' +
        'HttpOnly; SameSite=lax; Partitioned; Priority=high',
    );
  });

  test('expires as a number, including 0', () => {
    expect(serializeCookie({ name: 'a', value: '1', expires: 0 })).toBe('a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(serializeCookie({ name: 'a', value: '1', expires: 86_400_000 })).toBe(
      'a=1; Expires=Fri, 02 Jan 1970 00:00:00 GMT',
    );
  });

  test('Max-Age is written whenever it is a number', () => {
    expect(serializeCookie({ name: 'a', value: '1', maxAge: 0 })).toBe('a=1; Max-Age=0');
    expect(serializeCookie({ name: 'a', value: '1', maxAge: -1 })).toBe('a=1; Max-Age=-1');
    expect(serializeCookie({ name: 'a', value: '1', maxAge: undefined })).toBe('a=1');
  });

  test('falsy attributes are omitted', () => {
    expect(
      serializeCookie({ name: 'a', value: '1', path: '', domain: '', secure: false, httpOnly: false, sameSite: false }),
    ).toBe('a=1');
  });

  test('SameSite and Priority are written as given', () => {
    expect(serializeCookie({ name: 'a', value: '1', sameSite: 'none' })).toBe('a=1; SameSite=none');
    expect(serializeCookie({ name: 'a', value: '1', sameSite: true })).toBe('a=1; SameSite=true');
    expect(serializeCookie({ name: 'a', value: '1', priority: 'low' })).toBe('a=1; Priority=low');
    expect(serializeCookie({ name: 'a', value: '1', sameSite: 'Strict' as never })).toBe('a=1; SameSite=Strict');
  });

  test('invalid dates are left out', () => {
    expect(serializeCookie({ name: 'a', value: '1', expires: new Date('nope') })).toBe('a=1');
  });
});

describe('parseSetCookie', () => {
  test('full line', () => {
    expect(
      parseSetCookie(
        'b=two%20words%3Bx; Path=/p; Expires=Thu, 02 Jan 2025 03:05:05 GMT; Max-Age=60; Domain=example.com; ' +
          'Secure; HttpOnly; SameSite=Lax; Partitioned; Priority=HIGH',
      ),
    ).toEqual({
      name: 'b',
      value: 'two words;x',
      path: '/p',
      expires: new Date('2025-01-02T03:05:05.000Z'),
      maxAge: 60,
      domain: 'example.com',
      secure: true,
      httpOnly: true,
      sameSite: 'lax',
      partitioned: true,
      priority: 'high',
    });
  });

  test('attribute names are case-insensitive', () => {
    expect(parseSetCookie('a=1; path=/x; max-age=0; HTTPONLY; secure; samesite=STRICT; expires=Thu, 01 Jan 1970 00:00:00 GMT')).toEqual({
      name: 'a',
      value: '1',
      path: '/x',
      maxAge: 0,
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      expires: new Date(0),
    });
  });

  test('unknown or invalid attributes are dropped', () => {
    expect(parseSetCookie('a=1; SameSite=weird; Priority=urgent; Max-Age=soon; Expires=never; Foo=bar; Path=')).toEqual({
      name: 'a',
      value: '1',
    });
  });

  test('name and value are trimmed; value may contain "="', () => {
    expect(parseSetCookie(' a = x=y ; Path=/')).toEqual({ name: 'a', value: 'x=y', path: '/' });
  });

  test('edge cases', () => {
    expect(parseSetCookie('')).toBeUndefined();
    expect(parseSetCookie('  ; Path=/')).toBeUndefined();
    expect(parseSetCookie('flag')).toEqual({ name: 'flag', value: 'true' });
    expect(parseSetCookie('a=')).toEqual({ name: 'a', value: '' });
    // Not valid percent-encoding: kept raw rather than losing the cookie.
    expect(parseSetCookie('a=100%; Path=/')).toEqual({ name: 'a', value: '100%', path: '/' });
  });

  test('round-trips serializeCookie', () => {
    const cookie: ResponseCookie = {
      name: 'r',
      value: 'ä b;c',
      path: '/p',
      expires: new Date('2030-05-06T07:08:09.000Z'),
      maxAge: 10,
      domain: 'd.test',
      secure: true,
      httpOnly: true,
      sameSite: 'none',
      partitioned: true,
      priority: 'medium',
    };
    expect(parseSetCookie(serializeCookie(cookie))).toEqual(cookie);
  });
});

describe('splitSetCookieHeader', () => {
  test('commas inside Expires do not split', () => {
    expect(
      splitSetCookieHeader(
        'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/, b=2,c=3; HttpOnly, d=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      ),
    ).toEqual([
      'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/',
      'b=2',
      'c=3; HttpOnly',
      'd=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    ]);
  });

  test('a comma not followed by name= stays in the value', () => {
    expect(splitSetCookieHeader('a=x, y; Path=/')).toEqual(['a=x, y; Path=/']);
    expect(splitSetCookieHeader('a=1, b')).toEqual(['a=1, b']);
  });

  test('single, empty and padded input', () => {
    expect(splitSetCookieHeader('a=1; Path=/')).toEqual(['a=1; Path=/']);
    expect(splitSetCookieHeader('')).toEqual([]);
    expect(splitSetCookieHeader('  a=1 ,  b=2  ')).toEqual(['a=1', 'b=2']);
  });
});

describe('RequestCookies', () => {
  const make = (cookie?: string) => {
    const headers = new Headers(cookie === undefined ? {} : { cookie });
    return { headers, cookies: new RequestCookies(headers) };
  };

  test('reads the cookie header', () => {
    const { cookies } = make('x=1; y=2; x=3; flag; sp=%20x');
    expect(cookies.size).toBe(4);
    expect(cookies.get('x')).toEqual({ name: 'x', value: '3' });
    expect(cookies.get({ name: 'sp' })).toEqual({ name: 'sp', value: ' x' });
    expect(cookies.get('flag')).toEqual({ name: 'flag', value: 'true' });
    expect(cookies.get('missing')).toBeUndefined();
    expect(cookies.has('y')).toBe(true);
    expect(cookies.has('z')).toBe(false);
    expect(cookies.getAll()).toEqual([
      { name: 'x', value: '3' },
      { name: 'y', value: '2' },
      { name: 'flag', value: 'true' },
      { name: 'sp', value: ' x' },
    ]);
    expect(cookies.getAll('y')).toEqual([{ name: 'y', value: '2' }]);
    expect(cookies.getAll({ name: 'x' })).toEqual([{ name: 'x', value: '3' }]);
    expect(cookies.getAll('nope')).toEqual([]);
    expect([...cookies]).toEqual([
      ['x', { name: 'x', value: '3' }],
      ['y', { name: 'y', value: '2' }],
      ['flag', { name: 'flag', value: 'true' }],
      ['sp', { name: 'sp', value: ' x' }],
    ]);
    expect(cookies.toString()).toBe('x=3; y=2; flag=true; sp=%20x');
  });

  test('no cookie header', () => {
    const { cookies, headers } = make();
    expect(cookies.size).toBe(0);
    expect(cookies.getAll()).toEqual([]);
    expect(cookies.toString()).toBe('');
    expect(headers.has('cookie')).toBe(false);
  });

  test('set rewrites the header', () => {
    const { cookies, headers } = make('a=1; b=2');
    expect(cookies.set('b', 'two words')).toBe(cookies);
    expect(cookies.set({ name: 'c', value: 'é;' })).toBe(cookies);
    expect(headers.get('cookie')).toBe('a=1; b=two%20words; c=%C3%A9%3B');
    expect(cookies.get('b')).toEqual({ name: 'b', value: 'two words' });
    expect(cookies.size).toBe(3);
  });

  test('delete returns boolean(s) and rewrites the header', () => {
    const { cookies, headers } = make('a=1; b=2; c=3');
    expect(cookies.delete('a')).toBe(true);
    expect(cookies.delete('a')).toBe(false);
    expect(headers.get('cookie')).toBe('b=2; c=3');
    expect(cookies.delete(['b', 'zz', 'c'])).toEqual([true, false, true]);
    expect(headers.get('cookie')).toBe('');
    expect(cookies.size).toBe(0);
  });

  test('clear empties the header', () => {
    const { cookies, headers } = make('a=1; b=2');
    expect(cookies.clear()).toBe(cookies);
    expect(cookies.size).toBe(0);
    expect(headers.get('cookie')).toBe('');
  });

  test('does not touch the header until mutated', () => {
    const { cookies, headers } = make('b=%20x;a=1');
    cookies.get('a');
    expect(headers.get('cookie')).toBe('b=%20x;a=1');
  });
});

describe('ResponseCookies', () => {
  beforeEach(() => {
    jest.useFakeTimers().setSystemTime(NOW);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const setCookies = (headers: Headers) => headers.getSetCookie();

  test('the three examples from a real Next 16 server', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    cookies.set('a', '1');
    cookies.set({
      name: 'b',
      value: 'two words;x',
      httpOnly: true,
      path: '/p',
      maxAge: 60,
      sameSite: 'lax',
      secure: true,
      priority: 'high',
      partitioned: true,
    });
    cookies.delete('c');
    expect(setCookies(headers)).toEqual([
      'a=1; Path=/',
      'b=two%20words%3Bx; Path=/p; Expires=Thu, 02 Jan 2025 03:05:05 GMT; Max-Age=60; Secure; HttpOnly; SameSite=lax; Partitioned; Priority=high',
      'c=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    ]);
    expect(cookies.toString()).toBe(setCookies(headers).join('; '));
  });

  test('set(name, value, options)', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    expect(cookies.set('s', 'v', { domain: 'example.com', httpOnly: true, sameSite: 'strict' })).toBe(cookies);
    expect(setCookies(headers)).toEqual(['s=v; Path=/; Domain=example.com; HttpOnly; SameSite=strict']);
    expect(cookies.get('s')).toEqual({
      name: 's',
      value: 'v',
      path: '/',
      domain: 'example.com',
      httpOnly: true,
      sameSite: 'strict',
    });
  });

  test('normalisation: numeric expires becomes a Date', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    cookies.set('e', '1', { expires: Date.UTC(2030, 0, 1) });
    expect(cookies.get('e')?.expires).toEqual(new Date('2030-01-01T00:00:00.000Z'));
    expect(setCookies(headers)).toEqual(['e=1; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT']);
  });

  test('normalisation: a truthy maxAge overrides expires with now + maxAge', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    cookies.set('m', '1', { maxAge: 3600, expires: new Date('2030-01-01T00:00:00.000Z') });
    expect(cookies.get('m')?.expires).toEqual(new Date(NOW.getTime() + 3_600_000));
    cookies.set('z', '1', { maxAge: 0, expires: 0 });
    expect(setCookies(headers)).toEqual([
      'm=1; Path=/; Expires=Thu, 02 Jan 2025 04:04:05 GMT; Max-Age=3600',
      'z=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0',
    ]);
  });

  test('normalisation: path defaults to "/" but a given path is kept', () => {
    const cookies = new ResponseCookies(new Headers());
    cookies.set('a', '1', { path: '/x' });
    cookies.set('b', '1', { path: undefined });
    expect(cookies.get('a')?.path).toBe('/x');
    expect(cookies.get('b')?.path).toBe('/');
  });

  test('set copies the given object and the name/value arguments win', () => {
    const cookies = new ResponseCookies(new Headers());
    const input: ResponseCookie = { name: 'a', value: '1' };
    cookies.set(input);
    input.value = 'changed';
    expect(cookies.get('a')?.value).toBe('1');
    cookies.set('b', '2', { name: 'other', value: 'ignored' });
    expect(cookies.get('b')).toEqual({ name: 'b', value: '2', path: '/' });
  });

  test('initial cookies come from Set-Cookie headers, last same-name wins', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'raw=1; HttpOnly');
    headers.append('set-cookie', 'dup=first; Path=/a');
    headers.append('set-cookie', 'raw2=2');
    headers.append('set-cookie', 'dup=second; Path=/b');
    const cookies = new ResponseCookies(headers);
    expect(cookies.getAll()).toEqual([
      { name: 'raw', value: '1', httpOnly: true },
      { name: 'dup', value: 'second', path: '/b' },
      { name: 'raw2', value: '2' },
    ]);
    expect(cookies.getAll('dup')).toEqual([{ name: 'dup', value: 'second', path: '/b' }]);
    expect(cookies.get({ name: 'raw' })).toEqual({ name: 'raw', value: '1', httpOnly: true });
    expect(cookies.has('raw2')).toBe(true);
    expect(cookies.has('nope')).toBe(false);
    expect(cookies.get('nope')).toBeUndefined();
    // Reading does not rewrite anything.
    expect(setCookies(headers)).toEqual(['raw=1; HttpOnly', 'dup=first; Path=/a', 'raw2=2', 'dup=second; Path=/b']);
  });

  test('every mutation rewrites all Set-Cookie headers in insertion order', () => {
    const headers = new Headers({ 'x-other': 'kept' });
    headers.append('set-cookie', 'raw=1');
    headers.append('set-cookie', 'old=1; Max-Age=5');
    const cookies = new ResponseCookies(headers);
    cookies.set('new', 'n');
    // Parsed cookies are re-serialised as stored (no Path=/ added to them).
    expect(setCookies(headers)).toEqual(['raw=1', 'old=1; Max-Age=5', 'new=n; Path=/']);
    // Updating an existing name keeps its position.
    cookies.set('raw', 'r2');
    expect(setCookies(headers)).toEqual(['raw=r2; Path=/', 'old=1; Max-Age=5', 'new=n; Path=/']);
    expect(headers.get('x-other')).toBe('kept');
  });

  test('delete keeps only the given path and domain', () => {
    const headers = new Headers();
    const cookies = new ResponseCookies(headers);
    cookies.set('s', 'v', { httpOnly: true, secure: true, path: '/p', domain: 'd.test', maxAge: 10 });
    expect(cookies.delete({ name: 's', path: '/p', domain: 'd.test', httpOnly: true })).toBe(cookies);
    expect(setCookies(headers)).toEqual(['s=; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=d.test']);
    expect(cookies.get('s')).toEqual({ name: 's', value: '', path: '/p', domain: 'd.test', expires: new Date(0) });
    cookies.delete({ name: 't' });
    expect(setCookies(headers)[1]).toBe('t=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  });

  test('iterator and toString', () => {
    const cookies = new ResponseCookies(new Headers());
    cookies.set('a', '1').set('b', 'x y', { secure: true });
    expect([...cookies]).toEqual([
      ['a', { name: 'a', value: '1', path: '/' }],
      ['b', { name: 'b', value: 'x y', path: '/', secure: true }],
    ]);
    expect(cookies.toString()).toBe('a=1; Path=/; b=x%20y; Path=/; Secure');
    expect(new ResponseCookies(new Headers()).toString()).toBe('');
  });
});
