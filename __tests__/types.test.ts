import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

// Route files type-check against this package's declarations for `next/*` (README "Type checking
// route files"): one tsconfig `paths` entry pointing at dist/next/, no `next` package installed.

const root = path.join(__dirname, '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const fixture = path.join(__dirname, 'fixtures', 'types');

interface TscRun {
  code: number;
  output: string;
}

function runTsc(project: string): Promise<TscRun> {
  return new Promise((resolve, reject) => {
    execFile(tsc, ['-p', project, '--noEmit', '--pretty', 'false'], { cwd: root }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** `file(line): TS1234` for each error tsc reported, files relative to `base`. */
function errorsOf(output: string, base: string): string[] {
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map(
    ([, file, line, code]) => `${path.relative(base, path.resolve(root, file))}(${line}): ${code}`,
  );
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'next', 'server.d.ts'))) {
    throw new Error('dist/next/server.d.ts is missing: these tests check the built declarations. Run `npm run build` first (`npm test` does).');
  }
});

test('example-app route files type-check against our next/* declarations', async () => {
  const result = await runTsc(path.join(root, 'example-app', 'tsconfig.json'));
  expect(result).toEqual({ code: 0, output: '' });
}, 60_000);

describe('a project set up as the README says', () => {
  // The fixture's tsconfig uses the README's entry verbatim; link the package where npm puts it.
  const link = path.join(fixture, 'node_modules', 'express-route-handlers');
  let created = false;

  beforeAll(() => {
    if (!isLink(link)) {
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(root, link, 'junction');
      created = true;
    }
  });
  afterAll(() => {
    if (created) rmSync(path.join(fixture, 'node_modules'), { recursive: true, force: true });
  });

  // tsconfig.json: moduleResolution bundler (create-next-app's); tsconfig.nodenext.json: the
  // fixture is an ESM package ("type": "module") resolved as nodenext.
  test.each(['tsconfig.json', 'tsconfig.nodenext.json'])(
    '%s: tsc reports exactly the deliberate type errors (the declarations are real, not any)',
    async (config) => {
      const result = await runTsc(path.join(fixture, config));
      const route = path.join('app', 'api', 'broken', 'route.ts');
      expect(result.code).not.toBe(0);
      // No "Cannot find module 'next/server'" (TS2307) or anything else: only the four marked lines.
      expect(errorsOf(result.output, fixture)).toEqual([
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

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
