/**
 * Formatter: one member per line, 4-space indentation per block level, `{` on the declaration line, one
 * space between the tokens of a line, no space before `,` or around the `.` of a module parameter, a blank line between top-level elements;
 * inside a block a run of blank lines between members becomes one, and none stays after `{` or before `}` (blank lines
 * before a comment inside a block are left as written: Langium does not format the text before a hidden node; before a
 * comment that leads a top-level element there is one); no blanks at line ends outside strings, one line break at the
 * end of the file, a byte order mark kept (see `finishText`: `iommu-topo fmt` writes exactly this); a comment that starts
 * its line is indented like the members of its block, with the editor's tabs or spaces. `hwpt NAME { attach a, b }` stays
 * on one line, unless a comment is inside it: then it is a block like the others. Range formatting changes the
 * lines of the range only.
 * Langium returns no edits for a document with syntax errors; `iommu-topo fmt --check` reports that case.
 */
import { CstUtils, type AstNode, type LangiumDocument } from 'langium';
import { AbstractFormatter, Formatting } from 'langium/lsp';
import type { FormattingOptions, Range, TextEdit } from 'vscode-languageserver';
import { positionBefore } from '../language/iommu-document-validator.js';
import { isDocument, isHost, isHwptDecl, isIommu, isPciDevice, isVm } from '../language/generated/ast.js';

/**
 * A block member's line: indented one level, after one line break, or two when the text has a blank line there (Langium's
 * `fit` semantics: the first move whose line count is at least the existing one, else the last), so runs of blank lines
 * collapse to one.
 */
const MEMBER: ReturnType<typeof Formatting.indent> = { options: {}, moves: [{ tabs: 1, lines: 1 }, { tabs: 1, lines: 2 }] };

export class IommuFormatter extends AbstractFormatter {
  /**
   * Langium's edits for the whole document, with two corrections, then (for range and on-type formatting) only
   * those inside `range`:
   * - a comment that starts its line is indented to its block's depth with the editor's indentation (`options`:
   *   a tab, or `tabSize` spaces); with tabs Langium left comments space-indented (or gave them one space);
   * - a range keeps the edits that end inside it (an edit is the whitespace before a token, so it belongs to the
   *   token it ends at), and of an edit that starts on a line above only the indentation; Langium's range formatting
 *   also changed the line after the range and skipped the first one;
 * - a CRLF document gets CRLF line breaks (Langium's edits wrote `\n`).
   */
  protected override doDocumentFormat(document: LangiumDocument, options: FormattingOptions, range?: Range): TextEdit[] {
    let edits = this.finishText(document, this.indentComments(document, options, super.doDocumentFormat(document, options)));
    // Langium writes `\n` line breaks; a CRLF document keeps CRLF (its edits start at the `\r` of the line they join)
    if (document.textDocument.getText().includes('\r\n')) edits = edits.map((e) => (e.newText.includes('\n') ? { ...e, newText: e.newText.replace(/\r?\n/g, '\r\n') } : e));
    if (!range) return edits;
    const start = { line: range.start.line, character: 0 };
    return edits
      .filter((e) => !positionBefore(e.range.end, start) && !positionBefore(range.end, e.range.end))
      .map((e) => {
        if (!positionBefore(e.range.start, start)) return e;
        // the whitespace before the range's first token, from a line above: only its indentation is the range's
        // (the blank lines above stay as they are)
        const nl = e.newText.lastIndexOf('\n');
        return { range: { start: { line: e.range.end.line, character: 0 }, end: e.range.end }, newText: e.newText.slice(nl + 1) };
      });
  }

  /**
   * `edits` (Langium's, `\n` line breaks) completed with what Langium leaves to the text around hidden nodes, so that an
   * LSP client and `iommu-topo fmt` get the same file:
   * - one blank line before the comment block that leads a top-level element (after the first), as between elements;
   * - no blanks at the end of a line, but inside a string literal (a multi-line `cmdline "…"` keeps its value);
   * - the file ends in one line break after its last token (or comment), and a file of only whitespace becomes empty;
   * - a UTF-8 byte order mark at the start stays (Langium's edit before the first token would remove it).
   */
  private finishText(document: LangiumDocument, edits: TextEdit[]): TextEdit[] {
    const text = document.textDocument;
    const full = text.getText();
    const root = document.parseResult.value.$cstNode;
    const leaves = root ? CstUtils.flattenCst(root).toArray() : [];
    const bom = full.startsWith('\uFEFF') ? 1 : 0;
    let out = edits.map((e) => ({ start: text.offsetAt(e.range.start), end: text.offsetAt(e.range.end), newText: e.newText.replace(/[ \t]+(?=\r?\n)/g, '') }));
    /** Replace `[start, end)` (whitespace only) by `newText`, in place of the edits inside it. */
    const replaceGap = (start: number, end: number, newText: string) => {
      if (out.some((e) => e.start < end && e.end > start && (e.start < start || e.end > end))) return; // straddles: leave it
      out = out.filter((e) => !(e.start >= start && e.end <= end));
      if (full.slice(start, end) !== newText) out.push({ start, end, newText });
    };
    const doc = document.parseResult.value;
    const parsed = !document.parseResult.lexerErrors.length && !document.parseResult.parserErrors.length;
    if (parsed && isDocument(doc)) {
      // the comments that lead a top-level element: the run of comments before its first token, from the first one
      // that starts its line (one on the previous token's line is that token's)
      doc.elements.forEach((el, i) => {
        if (i === 0 && !doc.imports.length) return;
        const cst = el.$cstNode;
        const k = cst ? leaves.findIndex((l) => l.offset === cst.offset && !l.hidden) : -1;
        let j = k;
        while (j > 0 && leaves[j - 1].hidden) j--;
        const first = leaves.slice(j, k).find((c) => /^[ \t]*$/.test(full.slice(full.lastIndexOf('\n', c.offset - 1) + 1, c.offset)));
        if (!first) return;
        const prev = leaves[leaves.indexOf(first) - 1];
        if (prev && /^\s*$/.test(full.slice(prev.end, first.offset))) replaceGap(prev.end, first.offset, '\n\n');
      });
    }
    if (parsed) {
      // the end: one line break after the last token or comment (a comment's trailing blanks go too)
      const last = leaves.at(-1);
      const tail = last ? last.end - (last.hidden ? (/[ \t]*$/.exec(last.text)?.[0].length ?? 0) : 0) : bom;
      replaceGap(tail, full.length, last ? '\n' : '');
    }
    // the byte order mark is not whitespace to format away
    if (bom) out = out.map((e) => (e.start === 0 && e.end > 0 ? { ...e, start: 1 } : e));
    // blanks at a line end in the text between the edits (inside comments, before a comment's line), not in strings
    const strings = leaves.filter((l) => !l.hidden && /STRING/.test(l.tokenType.name));
    const inString = (at: number) => strings.some((l) => at > l.offset && at < l.end);
    out.sort((a, b) => a.start - b.start || a.end - b.end);
    const blanks: { start: number; end: number; newText: string }[] = [];
    let from = 0;
    for (let i = 0; i <= out.length; i++) {
      const next = out[i];
      const to = next ? next.start : full.length;
      if (to > from) {
        const segment = full.slice(from, to);
        // a run at the segment's end counts when the next edit starts a new line there
        const re = next && /^\r?\n/.test(next.newText) ? /[ \t]+(?=\r?\n|$)/g : /[ \t]+(?=\r?\n)/g;
        for (let m = re.exec(segment); m; m = re.exec(segment)) {
          const start = from + m.index;
          const end = start + m[0].length;
          if (inString(start)) continue;
          if (next && end === next.start) next.start = start;
          else blanks.push({ start, end, newText: '' });
        }
      }
      if (next) from = Math.max(from, next.end);
    }
    return [...out, ...blanks].filter((e) => e.start < e.end || e.newText).map((e) => ({ range: { start: text.positionAt(e.start), end: text.positionAt(e.end) }, newText: e.newText }));
  }

  /** `edits` with each comment that starts a line indented to its block depth (see {@link doDocumentFormat}). */
  private indentComments(document: LangiumDocument, options: FormattingOptions, edits: TextEdit[]): TextEdit[] {
    const root = document.parseResult.value.$cstNode;
    if (!root) return edits;
    const text = document.textDocument;
    const full = text.getText();
    const unit = options.insertSpaces ? ' '.repeat(options.tabSize) : '\t';
    let out = edits.map((e) => ({ edit: e, start: text.offsetAt(e.range.start), end: text.offsetAt(e.range.end) }));
    const added: TextEdit[] = [];
    let depth = 0;
    for (const leaf of CstUtils.flattenCst(root)) {
      if (!leaf.hidden) {
        if (leaf.text === '{') depth++;
        else if (leaf.text === '}') depth = Math.max(0, depth - 1);
        continue;
      }
      if (!/COMMENT/.test(leaf.tokenType.name)) continue;
      const lineStart = full.lastIndexOf('\n', leaf.offset - 1) + 1;
      if (!/^[ \t]*$/.test(full.slice(lineStart, leaf.offset))) continue; // after code on its line: left alone
      const indent = unit.repeat(depth);
      // Langium's whitespace edit from the line before, ending at the comment: keep its line breaks, set the indentation
      const across = out.find((e) => e.end === leaf.offset && e.start < lineStart && e.edit.newText.includes('\n'));
      if (across) {
        across.edit = { ...across.edit, newText: across.edit.newText.slice(0, across.edit.newText.lastIndexOf('\n') + 1) + indent };
        continue;
      }
      // else Langium's edits inside the comment's indentation (with tabs it trimmed spaces) give way to one of ours
      out = out.filter((e) => !(e.start >= lineStart && e.end <= leaf.offset));
      if (full.slice(lineStart, leaf.offset) !== indent) added.push({ range: { start: text.positionAt(lineStart), end: text.positionAt(leaf.offset) }, newText: indent });
    }
    return [...out.map((e) => e.edit), ...added];
  }

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
      // unless a comment is inside it (a trailing `// …` would swallow the `}`): then an ordinary block, `attach` on
      // its own line one level in, `}` on its own line
      const cst = node.$cstNode;
      if (cst && CstUtils.flattenCst(cst).some((l) => l.hidden && /COMMENT/.test(l.tokenType.name))) {
        const f = this.getNodeFormatter(node);
        f.keyword('attach').prepend(Formatting.indent());
        f.keyword('}').prepend(Formatting.newLine());
      }
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
