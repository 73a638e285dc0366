import { readFile } from 'node:fs/promises';
import { transform, type TransformFailure } from 'esbuild';

/** Text every JSX file has (a closing tag, a self-closing tag or a fragment); cheap to look for. */
const jsxHint = /<\/|\/>|<>/;

/**
 * Whether a `.js` file is written with JSX, which Next compiles in `.js` files but Node cannot
 * load. Most files are ruled out by the hint; the rest by esbuild's own verdict on the text.
 */
export async function hasJsx(file: string): Promise<boolean> {
  const text = await readFile(file, 'utf8');
  if (!jsxHint.test(text)) return false;
  try {
    await transform(text, { loader: 'js', logLevel: 'silent' });
    return false;
  } catch (error) {
    return ((error as TransformFailure).errors ?? []).some((message) => message.text.includes('JSX syntax extension'));
  }
}
