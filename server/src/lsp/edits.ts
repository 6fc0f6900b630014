/**
 * Text-edit helpers for quick fixes: insert a property line into a `{ … }` block with the block's
 * indentation, replace a property's value, or remove one element of a comma list. Pure functions of the
 * AST + document text; they never throw (undefined = cannot build the edit).
 */
import { AstUtils, GrammarUtils, type AstNode } from 'langium';
import type { TextEdit } from 'vscode-languageserver-types';

export interface DocEdit {
  uri: string;
  edit: TextEdit;
}

function docOf(node: AstNode) {
  return AstUtils.getDocument(node);
}

/** The line ending of `text`: that of its first line (`\r\n` or `\n`; `\n` for a single line). */
export function eolOf(text: string): string {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/** Indentation (spaces/tabs) of the line where `offset` is. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/**
 * Where the rest of the line from `offset` is only blanks and comments (a `//` comment, or block comments closed
 * on that line): the line's end (before its `\r\n` or `\n`), so that an inserted line goes after a trailing
 * comment, which stays on its line. Else undefined (more text follows on the line, or a block comment goes on).
 */
export function endOfCommentedLine(text: string, offset: number): number | undefined {
  let i = offset;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      break;
    }
    if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      const nl = text.indexOf('\n', i);
      if (close < 0 || (nl >= 0 && nl < close)) return undefined;
      i = close + 2;
      continue;
    }
    break;
  }
  if (i < text.length && text[i] !== '\n' && text[i] !== '\r') return undefined;
  return i > offset && text[i - 1] === '\r' ? i - 1 : i;
}

/**
 * Insert `line` as a new member of `block` (a node whose CST contains `{ … }`), after the last member that
 * `after` accepts (or right after `{` when none): on a new line after it, and after the comment that ends its line
 * (`kernel 6.12 // LTS`: the comment stays there). In a block written on one line (more members or `}` follow the
 * anchor on its line) the member goes on that line, after the anchor. If the node has no block
 * (e.g. `endpoint x at BDF`), a block is created, and a comment after the node stays on the line of its `{`.
 */
export function insertMember(block: AstNode, line: string, members: AstNode[] = [], after: (n: AstNode) => boolean = () => true): DocEdit | undefined {
  const doc = docOf(block);
  const cst = block.$cstNode;
  if (!cst) return undefined;
  const text = doc.textDocument.getText();
  const baseIndent = lineIndent(text, cst.offset);
  const open = GrammarUtils.findNodeForKeyword(cst, '{');
  const uri = doc.uri.toString();
  const eol = eolOf(text);
  const pos = (offset: number) => doc.textDocument.positionAt(offset);
  if (!open) {
    const end = pos(cst.end);
    const lineEnd = endOfCommentedLine(text, cst.end);
    // `endpoint x at BDF // nic`: `{` before the comment, the comment kept after it
    const comment = lineEnd !== undefined ? text.slice(cst.end, lineEnd) : '';
    const range = { start: end, end: lineEnd !== undefined ? pos(lineEnd) : end };
    return { uri, edit: { range, newText: ` {${comment}${eol}${baseIndent}    ${line}${eol}${baseIndent}}` } };
  }
  const anchors = members.filter((m) => m.$cstNode && after(m));
  const last = anchors[anchors.length - 1]?.$cstNode;
  const anchorEnd = last ? last.end : open.end;
  const lineEnd = endOfCommentedLine(text, anchorEnd);
  if (lineEnd === undefined) {
    // a one-line block (`vm v on h { backend iommufd-cdev hwpt s { attach a } }`): on that line
    const at = pos(anchorEnd);
    return { uri, edit: { range: { start: at, end: at }, newText: ` ${line}` } };
  }
  // the anchor's indentation, unless it shares the line of `{` (`host h { kernel 6.12`)
  const sharesOpenLine = !last || text.lastIndexOf('\n', last.offset - 1) < open.offset;
  const indent = sharesOpenLine ? `${baseIndent}    ` : lineIndent(text, last.offset);
  const at = pos(lineEnd);
  return { uri, edit: { range: { start: at, end: at }, newText: `${eol}${indent}${line}` } };
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
 * the only element, remove the node ({@link removeNode}). One case of {@link removeListElements}.
 */
export function removeListElement(node: AstNode, property: string, index: number): DocEdit | undefined {
  return removeListElements(node, property, [index])?.[0];
}

/**
 * Remove `node`: with its line and that line's end (`\n` or `\r\n`) when it stands alone on it (only blanks around
 * it); up to the comment when only a comment follows it on its line (the comment stays, at the line's indentation);
 * else only the node and the blanks before it on its line (`vm v on h { assign a hwpt b { attach c } }`).
 * `withComment`: a comment right after the node on its line (`// …`, or a `/* … *\/` closed on that line) is the
 * node's and goes with it (`kernel 6.8 // was 6.6` removed whole), and when more follows on the line the node was
 * first on, that rest keeps the node's indentation.
 */
export function removeNode(node: AstNode, withComment = false): DocEdit | undefined {
  const cst = node.$cstNode;
  if (!cst) return undefined;
  const doc = docOf(node);
  const text = doc.textDocument.getText();
  const lineStart = text.lastIndexOf('\n', cst.offset - 1) + 1;
  const lineEnd = text.indexOf('\n', cst.end);
  const before = text.slice(lineStart, cst.offset);
  let after = text.slice(cst.end, lineEnd < 0 ? text.length : lineEnd);
  let start = cst.offset;
  let end = cst.end;
  const alone = /^[ \t]*$/.test(before);
  if (withComment) {
    const comment = /^[ \t]*(?:\/\/[^\r\n]*|\/\*(?:(?!\*\/)[^\n])*\*\/)/.exec(after);
    if (comment) {
      end += comment[0].length;
      after = after.slice(comment[0].length);
    }
  }
  if (alone && /^[ \t]*\r?$/.test(after)) {
    // the line end before it (a CRLF whole); on the first line, the one after it
    if (lineStart > 0) start = lineStart - (lineStart >= 2 && text[lineStart - 2] === '\r' ? 2 : 1);
    else if (lineEnd >= 0) end = lineEnd + 1;
    else start = lineStart;
  } else if (alone && /^[ \t]*\/\//.test(after)) end += /^[ \t]*/.exec(after)![0].length;
  else if (alone && withComment) end += /^[ \t]*/.exec(after)![0].length;
  else start = cst.offset - (/[ \t]*$/.exec(before)?.[0].length ?? 0);
  return { uri: doc.uri.toString(), edit: { range: { start: doc.textDocument.positionAt(start), end: doc.textDocument.positionAt(end) }, newText: '' } };
}

/**
 * Remove the elements `indices` of `node`'s comma list `property` in one set of non-overlapping edits; all of them
 * removes the node ({@link removeNode}).
 */
export function removeListElements(node: AstNode, property: string, indices: readonly number[]): DocEdit[] | undefined {
  const cst = node.$cstNode;
  if (!cst) return undefined;
  const items = GrammarUtils.findNodesForProperty(cst, property);
  const drop = new Set(indices.filter((i) => i >= 0 && i < items.length));
  if (!drop.size) return [];
  if (drop.size >= items.length) {
    const e = removeNode(node);
    return e ? [e] : undefined;
  }
  const uri = docOf(node).uri.toString();
  let lastKept = items.length - 1;
  while (drop.has(lastKept)) lastKept--;
  const out: DocEdit[] = [];
  // elements before the last kept one go with the comma after them; the trailing ones with the comma before them
  for (const i of [...drop].sort((a, b) => a - b)) if (i < lastKept) out.push({ uri, edit: { range: { start: items[i].range.start, end: items[i + 1].range.start }, newText: '' } });
  if (lastKept < items.length - 1) out.push({ uri, edit: { range: { start: items[lastKept].range.end, end: items[items.length - 1].range.end }, newText: '' } });
  return out;
}

/**
 * Remove the elements of `node`'s comma list `property` for which `pred` holds ({@link removeListElements}): `[]` when
 * none does, undefined when the edits cannot be built (no CST).
 */
export function removeListElementsWhere<N extends AstNode, K extends keyof N & string>(node: N, property: K, pred: (value: N[K] extends readonly (infer E)[] ? E : never) => boolean): DocEdit[] | undefined {
  const values = (node[property] ?? []) as unknown as readonly (N[K] extends readonly (infer E)[] ? E : never)[];
  const at = values.flatMap((v, k) => (pred(v) ? [k] : []));
  return at.length ? removeListElements(node, property, at) : [];
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
