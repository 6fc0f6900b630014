/**
 * The grammar's word keywords (`host`, `vm`, `driver`, `root-port`, …): the lexer never gives one as a name, so no
 * declaration or reference can be named by one (SYN000 / REF001 say so, iommu-lexer.ts rules 3 and 4).
 */
import { AstUtils, GrammarAST, type Grammar } from 'langium';

const byGrammar = new WeakMap<Grammar, ReadonlySet<string>>();

/** The word keywords (those starting with a lower-case letter) of `grammar`, computed once per grammar. */
export function wordKeywords(grammar: Grammar): ReadonlySet<string> {
  let set = byGrammar.get(grammar);
  if (!set) {
    set = new Set(AstUtils.streamAllContents(grammar).filter(GrammarAST.isKeyword).map((k) => k.value).filter((v) => /^[a-z]/.test(v)));
    byGrammar.set(grammar, set);
  }
  return set;
}
