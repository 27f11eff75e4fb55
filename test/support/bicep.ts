import { readFileSync } from 'node:fs';
import { Language, Parser, type Node } from 'web-tree-sitter';

/**
 * Bicep read without a Bicep compiler (none installs offline): the tree-sitter-bicep grammar, as
 * wasm, in web-tree-sitter. This is a real syntax check and a way to read the templates' values;
 * it is not Bicep's type check, and nothing here deploys anything.
 *
 * Measured: tree-sitter-bicep 1.1.0 ships a wasm of language ABI 14 (built with tree-sitter-cli
 * 0.24); web-tree-sitter 0.25.10 loads it, on Node 20 and on Node 24.
 */
let parser: Promise<Parser> | undefined;

async function makeParser(): Promise<Parser> {
  await Parser.init();
  const language = await Language.load(readFileSync(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm')));
  const p = new Parser();
  p.setLanguage(language);
  return p;
}

export async function parseBicep(text: string): Promise<Node> {
  parser ??= makeParser();
  const tree = (await parser).parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree.rootNode;
}

/** Every ERROR and MISSING node, as "line:column what". Empty means the file parsed cleanly. */
export function syntaxProblems(root: Node): string[] {
  const out: string[] = [];
  const visit = (n: Node): void => {
    if (n.isError || n.isMissing) {
      const at = `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
      out.push(`${at} ${n.isMissing ? `missing ${n.type}` : `cannot parse "${n.text.slice(0, 40)}"`}`);
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  return out;
}

/** A value read from the tree. Anything computed (references, calls, interpolations) stays as its source text. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Expr;
export class Expr {
  constructor(readonly text: string) {}
}

function named(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

export function valueOf(n: Node): Value {
  switch (n.type) {
    case 'string': {
      const parts = named(n);
      if (parts.some((p) => p.type !== 'string_content' && p.type !== 'escape_sequence')) return new Expr(n.text);
      return JSON.parse(`"${parts.map((p) => (p.type === 'escape_sequence' ? p.text : p.text.replace(/"/g, '\\"'))).join('')}"`) as string;
    }
    case 'number':
      return Number(n.text);
    case 'boolean':
      return n.text === 'true';
    case 'null':
      return null;
    case 'array':
      return named(n).map(valueOf);
    case 'object': {
      const out: Record<string, Value> = {};
      for (const prop of named(n)) {
        if (prop.type !== 'object_property') continue;
        const [key, value] = named(prop);
        if (!key || !value) continue;
        out[key.type === 'string' ? key.text.slice(1, -1) : key.text] = valueOf(value);
      }
      return out;
    }
    default:
      return new Expr(n.text);
  }
}

export interface Declaration {
  kind: 'param' | 'var' | 'resource' | 'module' | 'output';
  name: string;
  /** Decorator names: secure, allowed, description, ... */
  decorators: Map<string, Node>;
  /** Resource type with API version, or module path. */
  target?: string;
  /** `= if (...) { }`: deployed only when the condition holds. */
  conditional: boolean;
  /** Declared type of a param or output. */
  type?: string;
  /** The value: a resource or module body, a var's value, a param's default, an output's value. */
  value?: Node;
}

const kinds: Record<string, Declaration['kind']> = {
  parameter_declaration: 'param',
  variable_declaration: 'var',
  resource_declaration: 'resource',
  module_declaration: 'module',
  output_declaration: 'output',
};

export function declarations(root: Node): Declaration[] {
  const out: Declaration[] = [];
  for (const n of named(root)) {
    const kind = kinds[n.type];
    if (!kind) continue;
    const parts = named(n);
    const name = parts[0]?.text ?? '';
    const decorators = new Map<string, Node>();
    const before = n.previousNamedSibling;
    if (before?.type === 'decorators') {
      for (const d of named(before)) {
        const call = named(d)[0];
        const fn = call?.type === 'call_expression' ? call.childForFieldName('function')?.text : call?.text;
        if (fn && call) decorators.set(fn, call);
      }
    }
    let conditional = false;
    let value: Node | undefined;
    let target: string | undefined;
    let type: string | undefined;
    if (kind === 'resource' || kind === 'module') {
      target = parts[1] ? String(valueOf(parts[1])) : undefined;
      const body = parts[2];
      if (body?.type === 'if_statement') {
        conditional = true;
        value = named(body).find((c) => c.type === 'object');
      } else {
        value = body;
      }
    } else if (kind === 'param' || kind === 'output') {
      type = parts[1]?.text;
      value = parts[2];
    } else {
      value = parts[1];
    }
    out.push({ kind, name, decorators, target, conditional, type, value });
  }
  return out;
}

/** The value at a dotted path of an object value (`properties.siteConfig.alwaysOn`). */
export function at(value: Value | undefined, path: string): Value | undefined {
  let cur: Value | undefined = value;
  for (const key of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof Expr) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Every string literal in the file (not in comments), with the object key it is the value of, if any. */
export function stringLiterals(root: Node): { text: string; key?: string; node: Node }[] {
  const out: { text: string; key?: string; node: Node }[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'string') {
      const parent = n.parent;
      let key: string | undefined;
      if (parent?.type === 'object_property') {
        const [k, v] = named(parent);
        if (v && v.id === n.id && k) key = k.type === 'string' ? k.text.slice(1, -1) : k.text;
      }
      const parts = named(n).filter((p) => p.type === 'string_content');
      out.push({ text: parts.map((p) => p.text).join(''), key, node: n });
    }
    for (const c of named(n)) visit(c);
  };
  visit(root);
  return out;
}
