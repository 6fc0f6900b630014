/**
 * Text-edit helpers for quick fixes: insert a property line into a `{ … }` block with the block's
 * indentation, replace a property's value, or remove one element of a comma list. Pure functions of the
 * AST + document text; they never throw (undefined = cannot build the edit).
 */
import { AstUtils, GrammarUtils, type AstNode, type CstNode } from 'langium';
import type { Range, TextEdit } from 'vscode-languageserver-types';

export interface DocEdit {
  uri: string;
  edit: TextEdit;
}

function docOf(node: AstNode) {
  return AstUtils.getDocument(node);
}

/** Indentation (spaces/tabs) of the line where `offset` is. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/**
 * Insert `line` as a new member of `block` (a node whose CST contains `{ … }`), after the last member that
 * `after` accepts (or right after `{` when none). If the node has no block (e.g. `endpoint x at BDF`),
 * a block is created.
 */
export function insertMember(block: AstNode, line: string, members: AstNode[] = [], after: (n: AstNode) => boolean = () => true): DocEdit | undefined {
  const doc = docOf(block);
  const cst = block.$cstNode;
  if (!cst) return undefined;
  const text = doc.textDocument.getText();
  const baseIndent = lineIndent(text, cst.offset);
  const open = GrammarUtils.findNodeForKeyword(cst, '{');
  const uri = doc.uri.toString();
  if (!open) {
    const end = doc.textDocument.positionAt(cst.end);
    return { uri, edit: { range: { start: end, end }, newText: ` {\n${baseIndent}    ${line}\n${baseIndent}}` } };
  }
  const anchors = members.filter((m) => m.$cstNode && after(m));
  const last = anchors[anchors.length - 1]?.$cstNode;
  const indent = last ? lineIndent(text, last.offset) : `${baseIndent}    `;
  const at = doc.textDocument.positionAt(last ? last.end : open.end);
  return { uri, edit: { range: { start: at, end: at }, newText: `\n${indent}${line}` } };
}

/** Replace the text of `node`'s `property` (first CST node for it). */
export function replaceProperty(node: AstNode, property: string, newText: string, index?: number): DocEdit | undefined {
  const cst = node.$cstNode;
  if (!cst) return undefined;
  const target = index === undefined ? GrammarUtils.findNodeForProperty(cst, property) : GrammarUtils.findNodesForProperty(cst, property)[index];
  if (!target) return undefined;
  return { uri: docOf(node).uri.toString(), edit: { range: target.range, newText } };
}

/** Replace the whole CST of `node` (e.g. a property line). */
export function replaceNode(node: AstNode, newText: string): DocEdit | undefined {
  const cst = node.$cstNode;
  if (!cst) return undefined;
  return { uri: docOf(node).uri.toString(), edit: { range: cst.range, newText } };
}

/**
 * Remove element `index` of a comma-separated `property` list, including one adjacent comma. When it is
 * the only element, remove the whole `node` line.
 */
export function removeListElement(node: AstNode, property: string, index: number): DocEdit | undefined {
  const cst = node.$cstNode;
  if (!cst) return undefined;
  const items = GrammarUtils.findNodesForProperty(cst, property);
  const doc = docOf(node);
  const uri = doc.uri.toString();
  if (items.length <= 1) {
    const text = doc.textDocument.getText();
    const lineStart = text.lastIndexOf('\n', cst.offset - 1);
    const start = doc.textDocument.positionAt(lineStart >= 0 ? lineStart : cst.offset);
    return { uri, edit: { range: { start, end: doc.textDocument.positionAt(cst.end) }, newText: '' } };
  }
  const item = items[index];
  if (!item) return undefined;
  const range: Range =
    index < items.length - 1
      ? { start: item.range.start, end: items[index + 1].range.start }
      : { start: endOf(items[index - 1]), end: item.range.end };
  return { uri, edit: { range, newText: '' } };
}

function endOf(n: CstNode) {
  return n.range.end;
}

/**
 * Insert `text` (e.g. `, gpu`) right after the last element of `node`'s comma list `property` (`assign a, b` or
 * `hwpt x { attach a, b }`), or at the end of the node when the list is empty.
 */
export function appendToList(node: AstNode, text: string, property = 'devices'): DocEdit | undefined {
  const cst = node.$cstNode;
  if (!cst) return undefined;
  const items = GrammarUtils.findNodesForProperty(cst, property);
  const doc = docOf(node);
  const pos = items.length ? items[items.length - 1].range.end : doc.textDocument.positionAt(cst.end);
  return { uri: doc.uri.toString(), edit: { range: { start: pos, end: pos }, newText: text } };
}
