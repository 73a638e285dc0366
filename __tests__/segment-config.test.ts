import { defaultSegmentConfig, readSegmentConfig } from '../lib/load/segment-config';

const FILE = '/abs/app/api/x/route.ts';
const ROUTE = '/api/x';

function read(exports: Record<string, unknown>, pattern = ROUTE) {
  return readSegmentConfig(exports, FILE, pattern);
}

const DYNAMIC_EXPECTED = "'auto' | 'error' | 'force-static' | 'force-dynamic'";
const FETCH_CACHE_EXPECTED =
  "'auto' | 'default-cache' | 'only-cache' | 'force-cache' | 'force-no-store' | 'default-no-store' | 'only-no-store'";

describe('readSegmentConfig defaults', () => {
  it('gives Next defaults for a module without segment config', () => {
    const result = read({ GET: () => new Response('x') });
    expect(result).toEqual({
      config: {
        dynamic: 'auto',
        revalidate: undefined,
        dynamicParams: true,
        fetchCache: undefined,
        runtime: 'nodejs',
        preferredRegion: undefined,
        maxDuration: undefined,
        generateStaticParams: undefined,
      },
      problems: [],
      warnings: [],
    });
    expect(defaultSegmentConfig()).toEqual(result.config);
  });

  it('ignores unknown exports and exports whose value is undefined', () => {
    const result = read({
      GET: () => new Response(),
      POST: () => new Response(),
      default: () => null,
      config: { runtime: 'edge', api: { bodyParser: false } },
      unstable_prefetch: 'whatever',
      somethingElse: 42,
      revalidate: undefined,
      dynamic: undefined,
      dynamicParams: undefined,
      runtime: undefined,
    });
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config).toEqual(defaultSegmentConfig());
  });

  it('reads every export of a fully configured module', () => {
    const generateStaticParams = async () => [{ slug: 'a' }];
    const result = read({
      dynamic: 'force-static',
      revalidate: 60,
      dynamicParams: false,
      fetchCache: 'force-cache',
      runtime: 'nodejs',
      preferredRegion: ['iad1', 'sfo1'],
      maxDuration: 30,
      generateStaticParams,
    });
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config).toEqual({
      dynamic: 'force-static',
      revalidate: 60,
      dynamicParams: false,
      fetchCache: 'force-cache',
      runtime: 'nodejs',
      preferredRegion: ['iad1', 'sfo1'],
      maxDuration: 30,
      generateStaticParams,
    });
  });

  it('collects every problem of a module, in export order', () => {
    const result = read({ revalidate: '5', dynamic: 'static', dynamicParams: 'no', maxDuration: -1 });
    expect(result.problems).toEqual([
      `Invalid revalidate value "5" on "/api/x", must be a non-negative number or false (export const revalidate in ${FILE})`,
      `Invalid dynamic value "static" on "/api/x": Invalid enum value. Expected ${DYNAMIC_EXPECTED}, received 'static' (export const dynamic in ${FILE})`,
      `Invalid dynamicParams value "no" on "/api/x": Expected boolean, received string (export const dynamicParams in ${FILE})`,
      `Invalid maxDuration value -1 on "/api/x": Number must be greater than or equal to 0 (export const maxDuration in ${FILE})`,
    ]);
    // Invalid values never reach the config.
    expect(result.config).toEqual(defaultSegmentConfig());
  });

  it('names the route pattern it is given', () => {
    expect(read({ revalidate: -1 }, '/blog/[slug]').problems).toEqual([
      `Invalid revalidate value -1 on "/blog/[slug]", must be a non-negative number or false (export const revalidate in ${FILE})`,
    ]);
  });
});

describe('revalidate', () => {
  it.each([
    [false, false],
    [0, 0],
    [1, 1],
    [60, 60],
    [31536000, 31536000],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('accepts %p', (value, expected) => {
    const result = read({ revalidate: value });
    expect(result.problems).toEqual([]);
    expect(result.config.revalidate).toBe(expected);
  });

  it('stores -0 (which Next accepts) as 0', () => {
    const result = read({ revalidate: -0 });
    expect(result.problems).toEqual([]);
    expect(Object.is(result.config.revalidate, 0)).toBe(true);
  });

  // Next's schema is z.number().int().nonnegative() or false: fractions and Infinity fail the build.
  // The value is printed with JSON.stringify, as Next does (NaN and Infinity read `null`).
  it.each([
    ['5', '"5"'],
    ['false', '"false"'],
    [-1, '-1'],
    [1.5, '1.5'],
    [0.5, '0.5'],
    [-0.5, '-0.5'],
    [Infinity, 'null'],
    [-Infinity, 'null'],
    [NaN, 'null'],
    [true, 'true'],
    [null, 'null'],
    [{ seconds: 5 }, '{"seconds":5}'],
    [[5], '[5]'],
    [10n, '10n'],
  ])('rejects %p', (value, printed) => {
    const result = read({ revalidate: value });
    expect(result.problems).toEqual([
      `Invalid revalidate value ${printed} on "/api/x", must be a non-negative number or false (export const revalidate in ${FILE})`,
    ]);
    expect(result.config.revalidate).toBeUndefined();
  });

  it('prints a function value readably (JSON.stringify would print nothing)', () => {
    const result = read({ revalidate: function revalidate() {} });
    expect(result.problems).toEqual([
      `Invalid revalidate value [Function: revalidate] on "/api/x", must be a non-negative number or false (export const revalidate in ${FILE})`,
    ]);
  });
});

describe('dynamic', () => {
  it.each(['auto', 'force-dynamic', 'error', 'force-static'])('accepts %p', (value) => {
    const result = read({ dynamic: value });
    expect(result.problems).toEqual([]);
    expect(result.config.dynamic).toBe(value);
  });

  it.each([
    ['static', '"static"', `Invalid enum value. Expected ${DYNAMIC_EXPECTED}, received 'static'`],
    ['Force-Static', '"Force-Static"', `Invalid enum value. Expected ${DYNAMIC_EXPECTED}, received 'Force-Static'`],
    ['', '""', `Invalid enum value. Expected ${DYNAMIC_EXPECTED}, received ''`],
    [1, '1', `Expected ${DYNAMIC_EXPECTED}, received number`],
    [true, 'true', `Expected ${DYNAMIC_EXPECTED}, received boolean`],
    [null, 'null', `Expected ${DYNAMIC_EXPECTED}, received null`],
    [['auto'], '["auto"]', `Expected ${DYNAMIC_EXPECTED}, received array`],
  ])('rejects %p', (value, printed, issue) => {
    const result = read({ dynamic: value });
    expect(result.problems).toEqual([`Invalid dynamic value ${printed} on "/api/x": ${issue} (export const dynamic in ${FILE})`]);
    expect(result.config.dynamic).toBe('auto');
  });
});

describe('dynamicParams', () => {
  it.each([true, false])('accepts %p', (value) => {
    const result = read({ dynamicParams: value });
    expect(result.problems).toEqual([]);
    expect(result.config.dynamicParams).toBe(value);
  });

  it.each([
    ['false', '"false"', 'string'],
    [0, '0', 'number'],
    [1, '1', 'number'],
    [NaN, 'null', 'nan'],
    [null, 'null', 'null'],
    [{}, '{}', 'object'],
  ])('rejects %p', (value, printed, type) => {
    const result = read({ dynamicParams: value });
    expect(result.problems).toEqual([
      `Invalid dynamicParams value ${printed} on "/api/x": Expected boolean, received ${type} (export const dynamicParams in ${FILE})`,
    ]);
    expect(result.config.dynamicParams).toBe(true);
  });
});

describe('fetchCache', () => {
  it.each(['auto', 'default-cache', 'only-cache', 'force-cache', 'force-no-store', 'default-no-store', 'only-no-store'])(
    'accepts %p',
    (value) => {
      const result = read({ fetchCache: value });
      expect(result.problems).toEqual([]);
      expect(result.config.fetchCache).toBe(value);
    },
  );

  it.each([
    ['no-store', '"no-store"', `Invalid enum value. Expected ${FETCH_CACHE_EXPECTED}, received 'no-store'`],
    ['force-static', '"force-static"', `Invalid enum value. Expected ${FETCH_CACHE_EXPECTED}, received 'force-static'`],
    [false, 'false', `Expected ${FETCH_CACHE_EXPECTED}, received boolean`],
  ])('rejects %p', (value, printed, issue) => {
    const result = read({ fetchCache: value });
    expect(result.problems).toEqual([`Invalid fetchCache value ${printed} on "/api/x": ${issue} (export const fetchCache in ${FILE})`]);
    expect(result.config.fetchCache).toBeUndefined();
  });
});

describe('runtime', () => {
  it('accepts nodejs silently', () => {
    const result = read({ runtime: 'nodejs' });
    expect(result).toMatchObject({ problems: [], warnings: [] });
    expect(result.config.runtime).toBe('nodejs');
  });

  it('accepts edge with a warning naming the file (the route runs on Node)', () => {
    const result = read({ runtime: 'edge' });
    expect(result.problems).toEqual([]);
    expect(result.config.runtime).toBe('edge');
    expect(result.warnings).toEqual([
      `export const runtime = 'edge' in ${FILE}: the edge runtime is not available in express-route-handlers; this route runs on Node.js.`,
    ]);
  });

  // Next 16's app-directory schema is z.enum(['edge', 'nodejs']): 'experimental-edge' (still
  // accepted by the pages router) fails `next build` for a route handler.
  it.each([
    ['experimental-edge', '"experimental-edge"', "Invalid enum value. Expected 'edge' | 'nodejs', received 'experimental-edge'"],
    ['node', '"node"', "Invalid enum value. Expected 'edge' | 'nodejs', received 'node'"],
    ['Edge', '"Edge"', "Invalid enum value. Expected 'edge' | 'nodejs', received 'Edge'"],
    [1, '1', "Expected 'edge' | 'nodejs', received number"],
  ])('rejects %p', (value, printed, issue) => {
    const result = read({ runtime: value });
    expect(result.problems).toEqual([`Invalid runtime value ${printed} on "/api/x": ${issue} (export const runtime in ${FILE})`]);
    expect(result.warnings).toEqual([]);
    expect(result.config.runtime).toBe('nodejs');
  });
});

describe('preferredRegion', () => {
  it.each([['iad1'], ['auto'], ['global'], ['home'], [''], [['iad1', 'sfo1']], [[]]])('accepts %p', (value) => {
    const result = read({ preferredRegion: value });
    expect(result.problems).toEqual([]);
    expect(result.config.preferredRegion).toEqual(value);
  });

  it.each([
    [5, '5', 'Expected string, received number, or Expected array, received number'],
    [null, 'null', 'Expected string, received null, or Expected array, received null'],
    [{ region: 'iad1' }, '{"region":"iad1"}', 'Expected string, received object, or Expected array, received object'],
    [['iad1', 2], '["iad1",2]', 'Expected string, received array, or Expected string, received number at "preferredRegion[1]"'],
    [
      [1, 'iad1', true],
      '[1,"iad1",true]',
      'Expected string, received array, or Expected string, received number at "preferredRegion[0]"; Expected string, received boolean at "preferredRegion[2]"',
    ],
  ])('rejects %p', (value, printed, issue) => {
    const result = read({ preferredRegion: value });
    expect(result.problems).toEqual([
      `Invalid preferredRegion value ${printed} on "/api/x": ${issue} (export const preferredRegion in ${FILE})`,
    ]);
    expect(result.config.preferredRegion).toBeUndefined();
  });
});

describe('maxDuration', () => {
  it.each([0, 1, 60, 800])('accepts %p', (value) => {
    const result = read({ maxDuration: value });
    expect(result.problems).toEqual([]);
    expect(result.config.maxDuration).toBe(value);
  });

  it.each([
    [1.5, '1.5', 'Expected integer, received float'],
    [-1, '-1', 'Number must be greater than or equal to 0'],
    [-1.5, '-1.5', 'Expected integer, received float; Number must be greater than or equal to 0'],
    [Infinity, 'null', 'Expected integer, received float'],
    [NaN, 'null', 'Expected number, received nan'],
    ['60', '"60"', 'Expected number, received string'],
    [false, 'false', 'Expected number, received boolean'],
  ])('rejects %p', (value, printed, issue) => {
    const result = read({ maxDuration: value });
    expect(result.problems).toEqual([`Invalid maxDuration value ${printed} on "/api/x": ${issue} (export const maxDuration in ${FILE})`]);
    expect(result.config.maxDuration).toBeUndefined();
  });
});

describe('generateStaticParams', () => {
  it('keeps a function (sync or async)', () => {
    const sync = () => [{ slug: 'a' }];
    const async = async () => [{ slug: 'a' }];
    expect(read({ generateStaticParams: sync }).config.generateStaticParams).toBe(sync);
    const result = read({ generateStaticParams: async });
    expect(result.config.generateStaticParams).toBe(async);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  // Next only calls a function there and skips anything else without a word.
  it.each([
    [[{ slug: 'a' }], 'array'],
    [{ slug: 'a' }, 'object'],
    ['a', 'string'],
    [null, 'null'],
  ])('ignores %p with a warning', (value, type) => {
    const result = read({ generateStaticParams: value });
    expect(result.problems).toEqual([]);
    expect(result.config.generateStaticParams).toBeUndefined();
    expect(result.warnings).toEqual([`export generateStaticParams in ${FILE} is ignored: expected a function, received ${type}.`]);
  });

  it('is a build error together with the edge runtime, as in Next', () => {
    const result = read({ runtime: 'edge', generateStaticParams: () => [] }, '/blog/[slug]');
    expect(result.problems).toEqual([
      `Page "/blog/[slug]/route" cannot use both \`export const runtime = 'edge'\` and export \`generateStaticParams\`. (export const runtime and export generateStaticParams in ${FILE})`,
    ]);
    expect(result.warnings).toHaveLength(1);
  });

  it('names the root route handler /route', () => {
    expect(read({ runtime: 'edge', generateStaticParams: () => [] }, '/').problems[0]).toMatch(/^Page "\/route" cannot use both/);
  });
});

describe('module shapes', () => {
  it('reads a null-prototype object (the shape of an ES module namespace)', () => {
    const module = Object.assign(Object.create(null) as Record<string, unknown>, { dynamic: 'error', revalidate: 10, GET() {} });
    const result = readSegmentConfig(module, FILE, ROUTE);
    expect(result.problems).toEqual([]);
    expect(result.config).toMatchObject({ dynamic: 'error', revalidate: 10 });
  });

  it('reads exports defined as getters (esbuild CommonJS interop)', () => {
    const module = {};
    Object.defineProperty(module, 'dynamic', { enumerable: true, get: () => 'force-dynamic' });
    expect(readSegmentConfig(module, FILE, ROUTE).config.dynamic).toBe('force-dynamic');
  });
});
