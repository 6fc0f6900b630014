/**
 * Completion: Langium proposes keywords and cross-references (devices by name and BDF, hosts, IOMMUs);
 * we add the simulator's vocabulary for value positions (drivers, capabilities, MSI controllers, backends,
 * ACS flags, architectures, firmware kinds, page-table formats, host drivers, well-known module parameters), and
 * inside a host's `cmdline "…"` string the command-line options the simulator reads.
 */
import { AstUtils, CstUtils, GrammarAST, type LangiumDocument, type MaybePromise } from 'langium';
import { DefaultCompletionProvider, type CompletionAcceptor, type CompletionContext, type NextFeature } from 'langium/lsp';
import { CompletionItemKind, type CompletionList, type CompletionParams } from 'vscode-languageserver';
import { isCmdlineSetting, isIommu } from '../language/generated/ast.js';
import { CMDLINE_OPTIONS, COMMON_DRIVERS, IOMMU_DRIVERS, type Term } from '../../../src-core/src/vocabulary.js';
import { VALUE_SLOTS } from '../language/value-slots.js';

export class IommuCompletionProvider extends DefaultCompletionProvider {
  override async getCompletion(document: LangiumDocument, params: CompletionParams): Promise<CompletionList | undefined> {
    return this.cmdlineCompletion(document, params) ?? super.getCompletion(document, params);
  }

  /**
   * Inside the quotes of `cmdline "…"`: {@link CMDLINE_OPTIONS} for the word at the cursor (from the blank or quote
   * before it), each replacing that word. Undefined anywhere else.
   */
  private cmdlineCompletion(document: LangiumDocument, params: CompletionParams): CompletionList | undefined {
    const root = document.parseResult?.value?.$cstNode;
    if (!root) return undefined;
    const text = document.textDocument;
    const offset = text.offsetAt(params.position);
    // the leaf that holds the cursor: at its end the closing quote is still to the right of the cursor
    const leaf = CstUtils.findLeafNodeAtOffset(root, offset) ?? CstUtils.findLeafNodeAtOffset(root, offset - 1);
    if (!leaf || !isCmdlineSetting(leaf.astNode) || !leaf.text.startsWith('"')) return undefined;
    const inside = offset - leaf.offset;
    if (inside < 1 || inside > leaf.text.length - (leaf.text.length > 1 && leaf.text.endsWith('"') ? 1 : 0)) return undefined;
    const before = leaf.text.slice(1, inside);
    // inside a quoted kernel value (`dyndbg=\"file x.c |`, the DSL string escapes the kernel's quotes): the words there
    // belong to that value, not parameters (kernel-cmdline.ts), so nothing is proposed
    if ((before.match(/\\"/g)?.length ?? 0) % 2 === 1) return { isIncomplete: false, items: [] };
    const word = /[^\s"]*$/.exec(before)![0];
    const start = text.positionAt(offset - word.length);
    const items = CMDLINE_OPTIONS.filter((o) => o.name.startsWith(word)).map((o, i) => ({
      label: o.name,
      kind: CompletionItemKind.EnumMember,
      detail: o.doc,
      documentation: o.doc,
      sortText: String(i).padStart(3, '0'),
      textEdit: { range: { start, end: params.position }, newText: o.name },
    }));
    return { isIncomplete: false, items };
  }

  protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
    const terms = this.vocabularyFor(context, next);
    if (terms) {
      for (const t of terms) {
        acceptor(context, { label: t.name, kind: CompletionItemKind.EnumMember, detail: t.doc, documentation: t.doc, sortText: '0' + t.name });
      }
      return;
    }
    return super.completionFor(context, next, acceptor);
  }

  /**
   * The vocabulary for a value position. Langium descends into the `Name` datatype rule, so the feature's
   * own rule is `Name`; the owning property comes from `next.property`, the owning rule from the assignment
   * when there is one, else from the AST node at the cursor (`driver` inside an `iommu` block vs a device).
   */
  private vocabularyFor(context: CompletionContext, next: NextFeature): Term[] | undefined {
    const assignment = AstUtils.getContainerOfType(next.feature, GrammarAST.isAssignment);
    if (GrammarAST.isCrossReference(assignment?.terminal)) return undefined;
    const rule = AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule);
    const direct = assignment && rule ? VALUE_SLOTS[`${rule.name}.${assignment.feature}`] : undefined;
    if (direct) return direct.terms;
    const property = next.property ?? assignment?.feature;
    if (!property || (next.feature.$type !== 'RuleCall' && !assignment)) return undefined;
    const inIommu = !!context.node && !!AstUtils.getContainerOfType(context.node, isIommu);
    const owner = Object.keys(VALUE_SLOTS).filter((k) => k.endsWith(`.${property}`)).map((k) => VALUE_SLOTS[k].terms);
    if (property === 'driver') return inIommu ? IOMMU_DRIVERS : COMMON_DRIVERS;
    return owner.length && owner.every((t) => t === owner[0]) ? owner[0] : undefined;
  }
}
