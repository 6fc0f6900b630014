/**
 * Plain recursive AST walks, used instead of Langium's `AstUtils.streamAst` / `streamReferences` on the hot
 * paths (linking, reference indexing, validation, device scopes). Same nodes in the same order as
 * `streamAst` (pre-order, properties in `Object.keys` order, `$`-prefixed properties skipped), without
 * a stream/iterator/state object per node: a topology file has tens of thousands of nodes, and Langium's
 * streams cost several times the work done per node (see `npm run bench`).
 */
import { isMultiReference, isReference, type AstNode, type AstReflection, type ReferenceInfo } from 'langium';

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { $type?: unknown }).$type === 'string';
}

/**
 * Visit `root` and its descendants depth-first, pre-order. If `visit` returns `false` the node's children
 * are skipped (like `TreeIterator.prune()`). AST nodes are plain objects, so `for…in` yields the same keys
 * in the same order as `Object.keys` without allocating an array per node.
 */
export function walkAst(root: AstNode, visit: (node: AstNode) => boolean | void): void {
  if (visit(root) === false) return;
  const rec = root as unknown as Record<string, unknown>;
  for (const key in rec) {
    if (key.charCodeAt(0) === 36 /* $ */) continue;
    const value = rec[key];
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (isAstNode(element)) walkAst(element, visit);
      }
    } else if (isAstNode(value)) walkAst(value, visit);
  }
}

/** Per AST type, the names of its cross-reference properties (from the generated reflection). */
export class ReferenceProperties {
  private readonly byType = new Map<string, string[]>();

  constructor(private readonly reflection: AstReflection) {}

  of(type: string): string[] {
    let props = this.byType.get(type);
    if (!props) {
      const meta = this.reflection.getTypeMetaData(type);
      props = Object.values(meta?.properties ?? {})
        .filter((p) => p.referenceType !== undefined)
        .map((p) => p.name);
      this.byType.set(type, props);
    }
    return props;
  }

  /**
   * Every cross-reference under `root`, in the order `streamAst` + `streamReferences` yield them. Only
   * properties the reflection declares as references are read, so other nodes cost one map lookup.
   */
  collect(root: AstNode): ReferenceInfo[] {
    const out: ReferenceInfo[] = [];
    walkAst(root, (node) => {
      const props = this.of(node.$type);
      if (props.length === 0) return;
      const rec = node as unknown as Record<string, unknown>;
      // several reference properties: in the node's own key order, as streamReferences yields them
      for (const property of props.length === 1 ? props : Object.keys(node).filter((k) => props.includes(k))) {
        const value = rec[property];
        if (isReference(value) || isMultiReference(value)) out.push({ reference: value, container: node, property });
        else if (Array.isArray(value)) {
          value.forEach((element, index) => {
            if (isReference(element) || isMultiReference(element)) out.push({ reference: element, container: node, property, index });
          });
        }
      }
    });
    return out;
  }
}
