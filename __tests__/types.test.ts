import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Route files type-check against this package's declarations for `next/*` (README "Type checking
// route files"): one tsconfig `paths` entry pointing at dist/next/, no `next` package installed.
// Metadata files also use `next` (MetadataRoute) and JSX, mapped to dist/next/index and jsx-runtime.

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const fixture = path.join(__dirname, 'fixtures', 'types');

interface TscRun {
  code: number;
  output: string;
}

function runTsc(config: string, cwd = root, extraArgs: string[] = []): Promise<TscRun> {
  return new Promise((resolve, reject) => {
    execFile(tsc, ['-p', config, '--noEmit', '--pretty', 'false', ...extraArgs], { cwd }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** `file(line): TS1234` for each error tsc reported (tsc names files relative to its cwd). */
function errorsOf(output: string): string[] {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map(([, file, line, code]) => `${path.normalize(file)}(${line}): ${code}`);
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'next', 'server.d.ts'))) {
    throw new Error('dist/next/server.d.ts is missing: these tests check the built declarations. Run `npm run build` first (`npm test` does).');
  }
});

test('example-app route and metadata files type-check against our next/* declarations', async () => {
  const result = await runTsc(path.join(root, 'example-app', 'tsconfig.json'));
  expect(result).toEqual({ code: 0, output: '' });
}, 60_000);

test('that check covers the metadata files, with `next` and `react/jsx-runtime` resolved to our declarations', async () => {
  const listed = await runTsc(path.join(root, 'example-app', 'tsconfig.json'), root, ['--listFilesOnly']);
  expect(listed.code).toBe(0);
  const files = new Set(listed.output.split(/\r?\n/).map((file) => path.resolve(file)));
  const app = path.join(root, 'example-app', 'app');
  for (const name of ['robots.ts', 'sitemap.ts', 'manifest.ts', 'icon.tsx', 'opengraph-image.tsx']) {
    expect(files).toContain(path.join(app, name));
  }
  // Resolved through the tsconfig `paths` (neither `next` nor `react` is installed here).
  expect(files).toContain(path.join(root, 'dist', 'next', 'index.d.ts'));
  expect(files).toContain(path.join(root, 'dist', 'next', 'jsx-runtime.d.ts'));
  expect([...files].filter((file) => /[\\/]node_modules[\\/](?:next|react|@types[\\/]react)[\\/]/.test(file))).toEqual([]);
}, 60_000);

describe('metadata files with mistakes, checked with the example app settings', () => {
  // Files in a temp folder whose tsconfig extends example-app's: `paths` stay relative to that file,
  // so these resolve `next`, `next/og` and `react/jsx-runtime` exactly as the example app does.
  let project = '';

  beforeAll(() => {
    project = mkdtempSync(path.join(os.tmpdir(), 'erh-types-metadata-'));
    const tsconfig = {
      extends: path.join(root, 'example-app', 'tsconfig.json'),
      // `types: ["node"]` is looked up from this folder otherwise.
      compilerOptions: { typeRoots: [path.join(root, 'node_modules', '@types')] },
      include: ['*.ts', '*.tsx'],
    };
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    writeFileSync(path.join(project, 'sitemap.ts'), BROKEN_SITEMAP);
    writeFileSync(path.join(project, 'icon.tsx'), BROKEN_ICON);
  });
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test('tsc reports exactly the deliberate errors: MetadataRoute and the JSX types are real, not any', async () => {
    const result = await runTsc(path.join(project, 'tsconfig.json'), project);
    expect(result.code).not.toBe(0);
    expect(errorsOf(result.output)).toEqual([
      'icon.tsx(12): TS2322',
      'icon.tsx(14): TS2322',
      'icon.tsx(17): TS2322',
      'sitemap.ts(6): TS2322',
      'sitemap.ts(7): TS2322',
    ]);
    expect(result.output).toContain(`Type '"sometimes"' is not assignable to type`);
    expect(result.output).toContain("Type 'number' is not assignable to type 'string | Date | undefined'.");
    expect(result.output).toContain("Type 'number' is not assignable to type 'string'.");
    expect(result.output).toContain("Type 'string' is not assignable to type '{ [property: string]: string | number | undefined; }'.");
    expect(result.output).toContain("Type 'string' is not assignable to type 'number'.");
  }, 60_000);
});

// Line numbers matter: the test above names the lines with mistakes.
const BROKEN_SITEMAP = `import type { MetadataRoute } from 'next';

export default function sitemap(): MetadataRoute.Sitemap {
  return [
    { url: 'https://shop.example/', lastModified: new Date(), changeFrequency: 'weekly', priority: 1 },
    { url: 'https://shop.example/about', priority: 0.5, changeFrequency: 'sometimes' },
    { url: 'https://shop.example/faq', lastModified: 2024 },
  ];
}
`;

const BROKEN_ICON = `import { ImageResponse } from 'next/og';

function Badge({ label }: { label: string }) {
  return <div style={{ display: 'flex', fontSize: 12 }}>{label}</div>;
}

export default function Icon() {
  return new ImageResponse(
    <div style={{ display: 'flex' }} tw="items-center">
      <Badge label="ok" key="a" />
      <>{['text', 3, null, false]}</>
      <Badge label={3} />
      <img src="https://shop.example/logo.png" width={16} height="16" alt="" data-x={1} />
      <span style="color: red">x</span>
    </div>,
    // next/og's options: width and height are numbers.
    { width: '32', height: 32 },
  );
}
`;

describe('a project set up as the README says', () => {
  // A copy of the fixture project in a temp folder (concurrent runs never share it), with the
  // package linked where npm installs it: its tsconfig uses the README's entry verbatim.
  let project = '';

  beforeAll(() => {
    project = mkdtempSync(path.join(os.tmpdir(), 'erh-types-'));
    cpSync(fixture, project, { recursive: true });
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(root, path.join(project, 'node_modules', 'express-route-handlers'), 'junction');
    symlinkSync(path.join(root, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'), 'junction');
  });
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  // tsconfig.json: moduleResolution bundler (create-next-app's); tsconfig.nodenext.json: the
  // fixture is an ESM package ("type": "module") resolved as nodenext.
  test.each(['tsconfig.json', 'tsconfig.nodenext.json'])(
    '%s: tsc reports exactly the deliberate type errors (the declarations are real, not any)',
    async (config) => {
      const result = await runTsc(path.join(project, config), project);
      const route = path.join('app', 'api', 'broken', 'route.ts');
      expect(result.code).not.toBe(0);
      // No "Cannot find module 'next/server'" (TS2307) or anything else: only the four marked lines.
      expect(errorsOf(result.output)).toEqual([
        `${route}(6): TS2322`,
        `${route}(7): TS2551`,
        `${route}(8): TS2322`,
        `${route}(10): TS2339`,
      ]);
      expect(result.output).toContain("Type 'string' is not assignable to type 'number'.");
      expect(result.output).toContain("Property 'serachParams' does not exist on type 'NextURL'. Did you mean 'searchParams'?");
      expect(result.output).toContain("Type 'string | undefined' is not assignable to type 'number'.");
      expect(result.output).toContain("Property 'sendJson' does not exist on type 'typeof NextResponse'.");
    },
    60_000,
  );
});
