/**
 * Formatter: one member per line, 4-space indentation per block level, `{` on the declaration line, one
 * space between the tokens of a line, no space before `,` or around the `.` of a module parameter, a blank line between top-level elements;
 * inside a block a run of blank lines between members becomes one, and none stays after `{` or before `}` (blank lines
 * before a comment are left as written: Langium does not format the text before a hidden node).
 * Langium returns no edits for a document with syntax errors; `iommu-topo fmt --check` reports that case.
 */
import { CstUtils, type AstNode } from 'langium';
import { AbstractFormatter, Formatting } from 'langium/lsp';
import { isDocument, isHost, isHwptDecl, isIommu, isPciDevice, isVm } from '../language/generated/ast.js';

/**
 * A block member's line: indented one level, after one line break, or two when the text has a blank line there (Langium's
 * `fit` semantics: the first move whose line count is at least the existing one, else the last), so runs of blank lines
 * collapse to one.
 */
const MEMBER: ReturnType<typeof Formatting.indent> = { options: {}, moves: [{ tabs: 1, lines: 1 }, { tabs: 1, lines: 2 }] };

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
      // members one level in, each on its own line; a blank line between members stays, a run of them becomes one,
      // and none is kept after `{` or before `}`
      const interior = f.interior(open, close);
      interior.prepend(MEMBER);
      if (interior.nodes.length) f.cst([interior.nodes[0]]).prepend(Formatting.indent());
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
