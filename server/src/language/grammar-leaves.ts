/**
 * Which AST node types can never contain another AST node, read from the grammar. Walks that only look for
 * nodes of some types (validation) use it to skip the properties of such nodes: most nodes of a topology
 * file are device properties (`id`, `class`, `acs`, `driver`, …) whose values are strings, numbers and
 * cross-references, and reading every key of every one of them was most of the validation walk's time.
 */
import { AstUtils, GrammarAST, GrammarUtils, type AstNode } from 'langium';

/** A parser rule that creates nodes (not a data-type rule, not a fragment). */
function isNodeRule(rule: GrammarAST.AbstractRule | undefined): rule is GrammarAST.ParserRule {
  return GrammarAST.isParserRule(rule) && !rule.fragment && !GrammarUtils.isDataTypeRule(rule);
}

/** Whether `element` (an assignment's terminal) can hold an AST node: it calls a node rule, outside cross-references. */
function holdsNode(element: AstNode): boolean {
  if (GrammarAST.isCrossReference(element)) return false;
  if (GrammarAST.isRuleCall(element) && isNodeRule(element.rule.ref)) return true;
  for (const child of AstUtils.streamContents(element)) if (holdsNode(child)) return true;
  return false;
}

interface RuleFacts {
  /** Node types the rule creates itself: its own type and the types of its actions. */
  types: string[];
  /** Node rules called without assignment: their node becomes this rule's node (its type, this rule's assignments). */
  delegates: GrammarAST.ParserRule[];
  /** The rule (or a fragment it calls) assigns a node to a property, or rewrites the tree with `{X.feature=current}`. */
  contains: boolean;
}

function ruleFacts(rule: GrammarAST.ParserRule): RuleFacts {
  const facts: RuleFacts = { types: [GrammarUtils.getRuleTypeName(rule)], delegates: [], contains: false };
  const visit = (element: AstNode, fragments: Set<GrammarAST.ParserRule>) => {
    if (GrammarAST.isAssignment(element)) {
      if (holdsNode(element.terminal)) facts.contains = true;
      return; // what an assignment calls is that property's value, not a delegation
    }
    if (GrammarAST.isAction(element)) {
      const type = GrammarUtils.getActionType(element);
      if (type) facts.types.push(type);
      if (element.feature) facts.contains = true;
    } else if (GrammarAST.isRuleCall(element)) {
      const called = element.rule.ref;
      if (GrammarAST.isParserRule(called) && called.fragment) {
        if (!fragments.has(called)) {
          fragments.add(called);
          visit(called.definition, fragments);
        }
      } else if (isNodeRule(called)) facts.delegates.push(called);
      return;
    }
    for (const child of AstUtils.streamContents(element)) visit(child, fragments);
  };
  visit(rule.definition, new Set());
  return facts;
}

/**
 * The AST type names whose nodes have no AST node below them, for any text the grammar parses. A type is a
 * leaf when no rule that can create a node of it assigns a node to a property (directly, through a
 * fragment, or by a tree-rewriting action). A rule that delegates to another rule (`A: B ...`) can add its
 * own assignments to B's node, so B's types count as created by A too. Types not named here (unknown,
 * or with containment) must be walked. Throws nothing; an unresolved rule reference is treated as no call.
 */
export function leafTypes(grammar: GrammarAST.Grammar): ReadonlySet<string> {
  const facts = new Map<GrammarAST.ParserRule, RuleFacts>();
  for (const rule of grammar.rules) if (isNodeRule(rule)) facts.set(rule, ruleFacts(rule));
  /** All types a rule's node can have: its own, and those of the rules it delegates to (transitively). */
  const typesOf = (rule: GrammarAST.ParserRule, seen: Set<GrammarAST.ParserRule>, out: Set<string>) => {
    if (seen.has(rule)) return;
    seen.add(rule);
    const f = facts.get(rule);
    if (!f) return;
    for (const t of f.types) out.add(t);
    for (const d of f.delegates) typesOf(d, seen, out);
  };
  const created = new Set<string>();
  const containing = new Set<string>();
  for (const [rule, f] of facts) {
    const types = new Set<string>();
    typesOf(rule, new Set(), types);
    for (const t of types) {
      created.add(t);
      if (f.contains) containing.add(t);
    }
  }
  const leaves = new Set<string>();
  for (const t of created) if (!containing.has(t)) leaves.add(t);
  return leaves;
}
