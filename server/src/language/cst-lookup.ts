/**
 * `GrammarUtils.findNodeForProperty` without its per-call cost: Langium walks up the grammar from every CST
 * child (`getContainerOfType(grammarSource, isAssignment)`) and builds arrays with `flatMap`; diagnostics
 * need this once each, and big topology files have thousands. Here the assignment of each grammar element
 * is looked up once and remembered, and the search stops at the wanted occurrence.
 */
import { GrammarAST, isCompositeCstNode, isLeafCstNode, type AstNode, type CstNode } from 'langium';

type Feature = string | null;
const featureOf = new WeakMap<object, Feature>();

/** The feature of the assignment that contains `element` in the grammar (or null). */
function assignedFeature(element: AstNode | undefined): Feature {
  if (!element) return null;
  let feature = featureOf.get(element);
  if (feature === undefined) {
    let e: AstNode | undefined = element;
    while (e && !GrammarAST.isAssignment(e)) e = e.$container;
    feature = e ? (e as GrammarAST.Assignment).feature : null;
    featureOf.set(element, feature);
  }
  return feature;
}

/** The search state of one {@link findPropertyCst} call (synchronous and not re-entrant, so shared). */
let owner: AstNode | undefined;
let wanted = '';
let wantedIndex = 0;
let seen = 0;
let last: CstNode | undefined;

/** Depth-first search below `node` for the `wantedIndex`-th CST node assigned to `wanted`; true when found. */
function search(node: CstNode, first: boolean): boolean {
  if (!first && assignedFeature(node.grammarSource) === wanted) {
    last = node;
    return seen++ === wantedIndex;
  }
  const content = (node as { content?: unknown }).content;
  if (node.astNode !== owner || !Array.isArray(content)) return false;
  for (let i = 0; i < content.length; i++) if (search(content[i] as CstNode, false)) return true;
  return false;
}

/**
 * The CST node of `property` of the AST node owning `cst` (its `index`-th occurrence, default the first), as
 * `GrammarUtils.findNodeForProperty(cst, property, index)` returns it (an index past the last occurrence
 * gives the last one); undefined if there is none. Allocates nothing (diagnostics and related locations
 * call it thousands of times on big files).
 */
export function findPropertyCst(cst: CstNode | undefined, property: string, index = 0): CstNode | undefined {
  if (!cst) return undefined;
  owner = cst.astNode;
  wanted = property;
  wantedIndex = Math.max(0, index); // as Langium clamps it
  seen = 0;
  last = undefined;
  search(cst, true);
  const found = last;
  owner = last = undefined; // keep no AST alive
  return found;
}

/**
 * True if keyword `keyword` is one of the tokens of `cst`'s own rule: a keyword leaf of the node, or of a composite
 * node of the same AST node (the one a rule call wraps around the rule's tokens); other rule calls are not searched.
 * What `GrammarUtils.findNodeForKeyword` answers for such a keyword, without a tree stream per call (the lowering asks
 * it for every `acs` line of a host).
 */
export function hasKeyword(cst: CstNode | undefined, keyword: string): boolean {
  if (!cst || !isCompositeCstNode(cst)) return false;
  for (const c of cst.content) {
    if (isLeafCstNode(c)) {
      if (!c.hidden && c.tokenType.name === keyword) return true;
    } else if (c.astNode === cst.astNode && hasKeyword(c, keyword)) return true;
  }
  return false;
}
