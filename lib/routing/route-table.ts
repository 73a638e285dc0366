import type { Segment } from '../discover/segments';

export interface RouteDefinition<T> {
  pattern: string;
  segments: readonly Segment[];
  /** Shown in conflict messages: the file, and Next's entry name for it. */
  file: string;
  entry: string;
  value: T;
}

export interface RouteMatch<T> {
  route: RouteDefinition<T>;
  /** Raw (still percent-encoded) captures, in segment order; catch-alls capture arrays. */
  captures: (string | string[])[];
}

interface DynamicChild<T> {
  name: string;
  node: TrieNode<T>;
  file: string;
}

class TrieNode<T> {
  route: RouteDefinition<T> | undefined;
  readonly statics = new Map<string, TrieNode<T>>();
  param: DynamicChild<T> | undefined;
  catchAll: DynamicChild<T> | undefined;
  optionalCatchAll: DynamicChild<T> | undefined;
}

/**
 * The compiled route table: exact static paths in a map, everything else in a segment trie
 * walked in Next.js's priority order (own route, static child, `[param]`, `[...all]`, `[[...opt]]`).
 */
export class RouteTable<T> {
  private readonly staticRoutes = new Map<string, RouteDefinition<T>>();
  private readonly root = new TrieNode<T>();
  /** Routes in Next.js's matching order. */
  readonly routes: RouteDefinition<T>[] = [];

  /** Builds the table, or throws one error listing every conflict with the files involved. */
  static build<T>(definitions: RouteDefinition<T>[]): RouteTable<T> {
    const table = new RouteTable<T>();
    const problems: string[] = [];
    for (const definition of definitions) {
      try {
        table.insert(definition);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    problems.push(...table.checkOptionalCatchAllTwins(table.root, ''));
    if (problems.length > 0) throw new RouteConflictError(problems);
    table.collect(table.root);
    return table;
  }

  /** Finds the route for a raw pathname that has no empty, dot or trailing-slash segments. */
  match(pathname: string): RouteMatch<T> | undefined {
    const exact = this.staticRoutes.get(pathname);
    if (exact) return { route: exact, captures: [] };
    const parts = pathname === '/' ? [] : pathname.slice(1).split('/');
    const captures: (string | string[])[] = [];
    const route = this.walk(this.root, parts, 0, captures);
    return route && { route, captures };
  }

  private walk(node: TrieNode<T>, parts: string[], index: number, captures: (string | string[])[]): RouteDefinition<T> | undefined {
    if (index === parts.length) {
      if (node.route) return node.route;
      return node.optionalCatchAll?.node.route;
    }
    const child = node.statics.get(parts[index]);
    if (child) {
      const found = this.walk(child, parts, index + 1, captures);
      if (found) return found;
    }
    if (node.param) {
      captures.push(parts[index]);
      const found = this.walk(node.param.node, parts, index + 1, captures);
      if (found) return found;
      captures.pop();
    }
    const rest = node.catchAll ?? node.optionalCatchAll;
    if (rest?.node.route) {
      captures.push(parts.slice(index));
      return rest.node.route;
    }
    return undefined;
  }

  private insert(definition: RouteDefinition<T>): void {
    let node = this.root;
    const slugNames: string[] = [];
    const { segments } = definition;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (segment.kind === 'static') {
        let next = node.statics.get(segment.text);
        if (!next) node.statics.set(segment.text, (next = new TrieNode<T>()));
        node = next;
        continue;
      }
      if ((segment.kind === 'catchAll' || segment.kind === 'optionalCatchAll') && i !== segments.length - 1) {
        throw new Error(`Catch-all must be the last part of the URL. (${definition.file})`);
      }
      checkSlugName(slugNames, segment.name, definition.file);
      slugNames.push(segment.name);
      if (segment.kind === 'catchAll' && node.optionalCatchAll) {
        throw new Error(
          `You cannot use both an optional and required catch-all route at the same level ("[[...${node.optionalCatchAll.name}]]" and "[...${segment.name}]"). (${node.optionalCatchAll.file}, ${definition.file})`,
        );
      }
      if (segment.kind === 'optionalCatchAll' && node.catchAll) {
        throw new Error(
          `You cannot use both an required and optional catch-all route at the same level ("[...${node.catchAll.name}]" and "[[...${segment.name}]]" ). (${node.catchAll.file}, ${definition.file})`,
        );
      }
      const slot = segment.kind;
      const existing = node[slot];
      if (existing && existing.name !== segment.name) {
        throw new Error(
          `You cannot use different slug names for the same dynamic path ('${existing.name}' !== '${segment.name}'). (${existing.file}, ${definition.file})`,
        );
      }
      node[slot] = existing ?? { name: segment.name, node: new TrieNode<T>(), file: definition.file };
      node = node[slot]!.node;
    }
    if (node.route) {
      throw new Error(
        `Conflicting routes at ${definition.pattern}: route at ${definition.entry} and route at ${node.route.entry} (${node.route.file}, ${definition.file})`,
      );
    }
    node.route = definition;
  }

  private checkOptionalCatchAllTwins(node: TrieNode<T>, prefix: string): string[] {
    const problems: string[] = [];
    if (node.route && node.optionalCatchAll?.node.route) {
      const here = prefix || '/';
      problems.push(
        `You cannot define a route with the same specificity as an optional catch-all route ("${here}" and "${prefix}/[[...${node.optionalCatchAll.name}]]"). (${node.route.file}, ${node.optionalCatchAll.node.route.file})`,
      );
    }
    for (const [text, child] of node.statics) problems.push(...this.checkOptionalCatchAllTwins(child, `${prefix}/${text}`));
    if (node.param) problems.push(...this.checkOptionalCatchAllTwins(node.param.node, `${prefix}/[${node.param.name}]`));
    return problems;
  }

  /** Lists routes in Next's order and fills the exact-path map with the fully static ones. */
  private collect(node: TrieNode<T>): void {
    if (node.route) {
      this.routes.push(node.route);
      if (node.route.segments.every((segment) => segment.kind === 'static')) {
        this.staticRoutes.set(node.route.pattern, node.route);
      }
    }
    for (const key of [...node.statics.keys()].sort()) this.collect(node.statics.get(key)!);
    if (node.param) this.collect(node.param.node);
    if (node.catchAll) this.collect(node.catchAll.node);
    if (node.optionalCatchAll) this.collect(node.optionalCatchAll.node);
  }
}

function checkSlugName(previous: string[], name: string, file: string): void {
  for (const slug of previous) {
    if (slug === name) {
      throw new Error(`You cannot have the same slug name "${name}" repeat within a single dynamic path (${file})`);
    }
    if (slug.replace(/\W/g, '') === name.replace(/\W/g, '')) {
      throw new Error(
        `You cannot have the slug names "${slug}" and "${name}" differ only by non-word symbols within a single dynamic path (${file})`,
      );
    }
  }
}

export class RouteConflictError extends Error {
  constructor(readonly problems: string[]) {
    super(`express-route-handlers: the app directory has ${problems.length} routing problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RouteConflictError';
  }
}
