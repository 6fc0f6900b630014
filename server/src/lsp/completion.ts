/**
 * Completion: Langium proposes keywords and cross-references (devices by name and BDF, hosts, IOMMUs);
 * we add the simulator's vocabulary for value positions (drivers, capabilities, MSI controllers, backends,
 * ACS flags, architectures, firmware kinds, page-table formats, host drivers, well-known module parameters).
 */
import { AstUtils, GrammarAST, type MaybePromise } from 'langium';
import { DefaultCompletionProvider, type CompletionAcceptor, type CompletionContext, type NextFeature } from 'langium/lsp';
import { CompletionItemKind } from 'vscode-languageserver';
import { isIommu } from '../language/generated/ast.js';
import { COMMON_DRIVERS, IOMMU_DRIVERS, type Term } from '../../../src-core/src/vocabulary.js';
import { VALUE_SLOTS } from '../language/value-slots.js';

export class IommuCompletionProvider extends DefaultCompletionProvider {
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
