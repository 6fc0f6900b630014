/**
 * Formatter: one member per line, 4-space indentation per block level, `{` on the declaration line, one
 * space between the tokens of a line, no space before `,` or around the `.` of a module parameter, a blank line between top-level elements.
 * Langium returns no edits for a document with syntax errors; `iommu-topo fmt --check` reports that case.
 */
import { CstUtils, type AstNode } from 'langium';
import { AbstractFormatter, Formatting } from 'langium/lsp';
import { isDocument, isHost, isHwptDecl, isIommu, isPciDevice, isVm } from '../language/generated/ast.js';

export class IommuFormatter extends AbstractFormatter {
  protected format(node: AstNode): void {
    if (isDocument(node)) {
      const f = this.getNodeFormatter(node);
      f.nodes(...node.imports.slice(1)).prepend(Formatting.newLine());
      // a blank line between top-level elements; an element with a leading comment keeps the comment
      // directly above it (the blank line then goes before the comment, which the formatter leaves alone)
      node.elements.forEach((el, i) => {
        const commented = !!el.$cstNode && !!CstUtils.findCommentNode(el.$cstNode, ['ML_COMMENT', 'SL_COMMENT']);
        if (i === 0 && !node.imports.length) f.node(el).prepend(commented ? Formatting.newLine() : Formatting.noSpace());
        else f.node(el).prepend(commented ? Formatting.newLine() : Formatting.newLines(2));
      });
      return;
    }
    if (isHost(node) || isIommu(node) || isPciDevice(node) || isVm(node)) {
      const f = this.getNodeFormatter(node);
      const open = f.keyword('{');
      const close = f.keyword('}');
      this.spaceTokensBefore(node, '{');
      open.prepend(Formatting.oneSpace());
      f.interior(open, close).prepend(Formatting.indent({ allowMore: true }));
      close.prepend(Formatting.newLine());
      return;
    }
    if (isHwptDecl(node)) {
      // `hwpt name { attach a, b }` stays on one line
      this.spaceTokensBefore(node, undefined);
      return;
    }
    // a property line: one space between tokens, none before a comma
    if (node.$container && (isHost(node.$container) || isIommu(node.$container) || isPciDevice(node.$container) || isVm(node.$container) || isDocument(node.$container))) {
      this.spaceTokensBefore(node, undefined);
    }
  }

  /** Single spaces between the leaf tokens of `node` up to (not including) `stop`; no space before commas. */
  private spaceTokensBefore(node: AstNode, stop: string | undefined): void {
    const cst = node.$cstNode;
    if (!cst) return;
    const f = this.getNodeFormatter(node);
    const leaves = CstUtils.flattenCst(cst).filter((l) => !l.hidden).toArray();
    for (let i = 1; i < leaves.length; i++) {
      const leaf = leaves[i];
      if (stop !== undefined && leaf.text === stop) break;
      if (leaf.astNode !== node && !isLeafOf(leaf.astNode, node)) break; // nested block member
      const region = f.cst([leaf]);
      if (leaf.text === ',' || leaf.text === '.' || leaves[i - 1].text === '.') region.prepend(Formatting.noSpace());
      else region.prepend(Formatting.oneSpace());
    }
  }
}

/** True when `child` is a value node owned by `owner`'s line (not a nested declaration). */
function isLeafOf(child: AstNode, owner: AstNode): boolean {
  return child.$container === owner && !isPciDevice(child) && !isHwptDecl(child);
}
