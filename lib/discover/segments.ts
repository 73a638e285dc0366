/** One URL segment of a route, as the folder names under the app directory spell it. */
export type Segment =
  | { kind: 'static'; text: string }
  | { kind: 'param'; name: string }
  | { kind: 'catchAll'; name: string }
  | { kind: 'optionalCatchAll'; name: string };

/** What a folder name does to the URL: nothing (groups, slots), or one segment. */
export type FolderMeaning = { kind: 'none' } | { kind: 'private' } | { kind: 'segment'; segment: Segment };

/**
 * Reads one folder name with Next.js's rules. Throws Next's own messages for malformed dynamic
 * segments so users see the same words as under `next build`.
 */
export function parseFolder(name: string): FolderMeaning {
  if (name.startsWith('_')) return { kind: 'private' };
  // A group is a whole name in parentheses; interception markers like `(.)x` stay literal for route handlers.
  if (name.startsWith('(') && name.endsWith(')')) return { kind: 'none' };
  if (name.startsWith('@')) return { kind: 'none' };
  if (/^%5f/i.test(name)) return { kind: 'segment', segment: { kind: 'static', text: `_${name.slice(3)}` } };
  if (!(name.startsWith('[') && name.endsWith(']'))) return { kind: 'segment', segment: { kind: 'static', text: name } };

  let inner = name.slice(1, -1);
  let optional = false;
  if (inner.startsWith('[') && inner.endsWith(']')) {
    inner = inner.slice(1, -1);
    optional = true;
  }
  if (inner.startsWith('…')) {
    throw new Error(`Detected a three-dot character ('…') at ('${inner}'). Did you mean ('...')?`);
  }
  let catchAll = false;
  if (inner.startsWith('...')) {
    inner = inner.slice(3);
    catchAll = true;
  }
  if (inner.startsWith('[') || inner.endsWith(']')) {
    throw new Error(`Segment names may not start or end with extra brackets ('${inner}').`);
  }
  if (inner.startsWith('.')) {
    throw new Error(`Segment names may not start with erroneous periods ('${inner}').`);
  }
  if (optional && !catchAll) {
    throw new Error(`Optional route parameters are not yet supported ("${name}").`);
  }
  const kind = catchAll ? (optional ? 'optionalCatchAll' : 'catchAll') : 'param';
  return { kind: 'segment', segment: { kind, name: inner } };
}

export function formatSegment(segment: Segment): string {
  switch (segment.kind) {
    case 'static':
      return segment.text;
    case 'param':
      return `[${segment.name}]`;
    case 'catchAll':
      return `[...${segment.name}]`;
    case 'optionalCatchAll':
      return `[[...${segment.name}]]`;
  }
}

export function formatPattern(segments: readonly Segment[]): string {
  return '/' + segments.map(formatSegment).join('/');
}
