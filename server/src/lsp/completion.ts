/**
 * Completion: Langium proposes keywords and cross-references (devices by name and BDF, hosts, IOMMUs);
 * we add the simulator's vocabulary for value positions (drivers, capabilities, MSI controllers, backends,
 * ACS flags, architectures, firmware kinds, page-table formats, host drivers, well-known module parameters and their
 * values), and inside a host's `cmdline "…"` string the command-line options the simulator reads. The position is the
 * grammar slot Langium's follow elements fill (an assignment, or the assignment calling a data-type rule), never a
 * property name alone: a name being declared proposes nothing, and a member line keeps the grammar's keywords. A device
 * reference (`assign`, `hwpt … attach`) proposes each device of the host once (by name, or by the BDF spelling being typed),
 * not the ones the VM already names, with its kind and BDF, bridges and ports last. A list (`caps`, ACS flags) does not
 * offer the values it holds already, and in the middle of an `acs` line only that line's flags and keywords are offered;
 * A line a block holds once (`kernel`, a device's `driver`, a VM's `backend`: REF005) is not offered where the block has
 * it; the command-line string does not offer an option it holds already. `import` offers the workspace's other topology
 * files, relative to this one; both strings are completed before their closing quote is typed too. A comment gets
 * nothing; unreadable lines before the cursor do not stop the proposals after them.
 */
import { AstUtils, CstUtils, GrammarAST, GrammarUtils, UriUtils, type AstNode, type CstNode, type AstNodeDescription, type LangiumDocument, type LangiumDocuments, type MaybePromise, type ReferenceInfo, type Stream, stream } from 'langium';
import { DefaultCompletionProvider, findFirstFeatures, type LangiumServices, type CompletionAcceptor, type CompletionContext, type CompletionValueItem, type NextFeature } from 'langium/lsp';
import { CompletionItemKind, type CompletionList, type CompletionParams } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isAcsProp, isAssignProp, isCmdlineSetting, isDocument, isHost, isImport, isIommu, isHwptDecl, isModuleParam, isPciDevice, isVm, type PciDevice } from '../language/generated/ast.js';
import { SINGLE_VALUED_TYPES } from '../language/iommu-validator.js';
import { BRIDGE_KINDS, type PciKind } from '../../../src-core/src/model.js';
import { CMDLINE_OPTIONS, type Term } from '../../../src-core/src/vocabulary.js';
import { MODULE_PARAMS, VALUE_SLOTS } from '../language/value-slots.js';
import { strayWords } from '../language/stray-words.js';
import { resolveImportUri } from '../language/iommu-scope.js';
import { hasKeyword } from '../language/cst-lookup.js';

/**
 * The string leaf (`"…"`) of a node that `is` accepts, at or just before the cursor (at its end the closing quote is
 * still to the right of the cursor), with the cursor's offset and the document's text; undefined elsewhere.
 */
function stringLeafAt(document: LangiumDocument, params: CompletionParams, is: (n: unknown) => boolean): { leaf: CstNode; offset: number; text: TextDocument } | undefined {
  const root = document.parseResult?.value?.$cstNode;
  if (!root) return undefined;
  const text = document.textDocument;
  const offset = text.offsetAt(params.position);
  const leaf = CstUtils.findLeafNodeAtOffset(root, offset) ?? CstUtils.findLeafNodeAtOffset(root, offset - 1);
  return leaf && is(leaf.astNode) && leaf.text.startsWith('"') ? { leaf, offset, text } : undefined;
}

/**
 * The string after `keyword` at the cursor (`cmdline "…"`, `import "…"`), whether the parse read it or not: the string
 * leaf of a node that `is` accepts ({@link stringLeafAt}), or, while the closing quote is not typed yet (the lexer then
 * reads no string at all), the text after `keyword "` on the cursor's line (not in a comment), when that line holds no
 * other quote after the cursor. `start` is the offset of the string's first character (after the quote), `before` its text up to the
 * cursor, `content` the whole text between the quotes (to the line's end when unclosed), `closed` whether the closing
 * quote is there. Undefined when the cursor is not between the quotes.
 */
function stringAt(
  document: LangiumDocument,
  params: CompletionParams,
  keyword: string,
  is: (n: unknown) => boolean,
): { start: number; offset: number; before: string; content: string; closed: boolean; text: TextDocument } | undefined {
  const at = stringLeafAt(document, params, is);
  if (at) {
    const { leaf, offset, text } = at;
    const closed = leaf.text.length > 1 && leaf.text.endsWith('"');
    const inside = offset - leaf.offset;
    if (inside < 1 || inside > leaf.text.length - (closed ? 1 : 0)) return undefined;
    return { start: leaf.offset + 1, offset, before: leaf.text.slice(1, inside), content: leaf.text.slice(1, closed ? -1 : undefined), closed, text };
  }
  const text = document.textDocument;
  const offset = text.offsetAt(params.position);
  const line = text.getText({ start: { line: params.position.line, character: 0 }, end: { line: params.position.line + 1, character: 0 } }).replace(/\r?\n$/, '');
  if (inComment(document, offset)) return undefined;
  const head = new RegExp(`(?:^|[\\s{])${keyword}\\s+"((?:\\\\.|[^"\\\\])*)$`).exec(line.slice(0, params.position.character));
  const rest = line.slice(params.position.character);
  if (!head || rest.replace(/\\./g, '').includes('"')) return undefined;
  return { start: offset - head[1].length, offset, before: head[1], content: head[1] + rest, closed: false, text };
}

/** How many unreadable lines before the cursor {@link IommuCompletionProvider.findFeaturesAt} reads past. */
const MAX_BLANKED_LINES = 8;

/**
 * `text` with the line holding `offset` blanked: every character but `{`, `}` and line breaks becomes a space, up to a
 * comment on the line (`//` or `/*` outside a string), which stays: blanking its opening would leave its end unmatched.
 */
export function blankLine(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  let end = nl < 0 ? text.length : nl;
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      end = i;
      break;
    }
  }
  return text.slice(0, start) + text.slice(start, end).replace(/[^{}\r]/g, ' ') + text.slice(end);
}

/**
 * The text of `document` with each line before line `before` (0-based) that its parse could not read blanked
 * ({@link blankLine}): the lines of its lexer errors, of its parser errors (`kernl 6.12`, `no-snoop maybe`; for an error
 * on a keyword or brace that starts its line, the line before, whose statement was left without its value: `kernel`,
 * then `arch x86_64`), and of its stray words (a mistyped property with a value,
 * `drivr vfio-pci`, which parses as a device without `at`). Undefined when there is none.
 */
export function unreadableMask(document: LangiumDocument, before: number): string | undefined {
  const lines = new Set<number>();
  const { lexerErrors, parserErrors, value } = document.parseResult;
  const full = document.textDocument.getText();
  for (const e of lexerErrors) if (e.line !== undefined) lines.add(e.line - 1);
  for (const e of parserErrors) {
    const at = e.token.startOffset;
    if (!Number.isFinite(e.token.startLine) || !Number.isFinite(at)) continue;
    const line = e.token.startLine! - 1;
    // a keyword or brace that starts its line is where the statement before it was found unfinished (`kernel`, then
    // `arch x86_64`): that statement's line is the unreadable one; anything else is unreadable on its own line
    const word = e.token.image;
    const keywordLike = word === '}' || word === '{' || e.token.tokenType?.name === word;
    if (firstOnLine(full, at) && keywordLike) {
      const previous = previousLine(full, document.textDocument.offsetAt({ line, character: 0 }));
      if (previous !== undefined) lines.add(document.textDocument.positionAt(previous).line);
    } else lines.add(line);
  }
  for (const w of strayWords(value)) lines.add(w.range.start.line);
  let text = full;
  for (const line of lines) {
    if (line < 0 || line >= before) continue;
    text = blankLine(text, document.textDocument.offsetAt({ line, character: 0 }));
  }
  return text === full ? undefined : text;
}

/** An offset on the last line before the line starting at `lineStart` that holds more than blanks; undefined if none. */
function previousLine(text: string, lineStart: number): number | undefined {
  for (let i = lineStart - 1; i >= 0; i--) if (!/\s/.test(text[i])) return i;
  return undefined;
}

/** Only blanks stand before `offset` on its line. */
function firstOnLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0 && text[i] !== '\n'; i--) if (text[i] !== ' ' && text[i] !== '\t' && text[i] !== '\r') return false;
  return true;
}

/** Whether `offset` is inside a comment of `document` (after `//` on its line, or between `/*` and `*\/`). */
export function inComment(document: LangiumDocument, offset: number): boolean {
  const root = document.parseResult?.value?.$cstNode;
  if (!root) return false;
  for (const at of [offset, offset - 1]) {
    const leaf = CstUtils.findLeafNodeAtOffset(root, at);
    if (!leaf?.hidden || !/COMMENT/.test(leaf.tokenType.name)) continue;
    // strictly after the comment's start; a line comment runs to its line's end, a block comment ends before `*/`'s end
    if (offset > leaf.offset && (leaf.tokenType.name === 'SL_COMMENT' ? offset <= leaf.end : offset < leaf.end || !leaf.text.endsWith('*/'))) return true;
  }
  return false;
}

export class IommuCompletionProvider extends DefaultCompletionProvider {
  private readonly documents: LangiumDocuments;

  constructor(services: LangiumServices) {
    super(services);
    this.documents = services.shared.workspace.LangiumDocuments;
  }

  override async getCompletion(document: LangiumDocument, params: CompletionParams): Promise<CompletionList | undefined> {
    const cmdline = this.cmdlineCompletion(document, params);
    if (cmdline) return cmdline;
    if (inComment(document, document.textDocument.offsetAt(params.position))) return { isIncomplete: false, items: [] };
    const paths = this.importPathCompletion(document, params);
    if (paths) return paths;
    const text = unreadableMask(document, params.position.line);
    if (text !== undefined) this.masks.set(document.textDocument, { version: document.textDocument.version, line: params.position.line, text });
    else this.masks.delete(document.textDocument);
    return super.getCompletion(document, params);
  }

  /** Per open document: its text with the unreadable lines before the cursor's line blanked ({@link unreadableMask}). */
  private readonly masks = new WeakMap<TextDocument, { version: number; line: number; text: string }>();

  /**
   * Langium's follow elements at `offset`, reading past the lines before the cursor's line that do not parse.
   * Langium re-parses the text before the cursor without error recovery and proposes what may follow where that parse
   * stopped: one unreadable line earlier in the file (`kernl 6.12`, `drivr intel-vtd`, `no-snoop maybe`) left every
   * later position with nothing, or with what follows the unreadable line (`at`). Here those lines are blanked
   * (spaces, braces kept, so offsets and blocks stay): the lines the document's parse reported (SYN000, stray words),
   * then any line this parse still stops on, a few at most. An error on the cursor's line is left to Langium (that is
   * the position being completed).
   */
  protected override findFeaturesAt(document: TextDocument, offset: number): NextFeature[] {
    const original = document.getText({ start: { line: 0, character: 0 }, end: document.positionAt(offset) });
    const cursorLine = document.positionAt(offset).line;
    const mask = this.masks.get(document);
    let text = mask && mask.version === document.version && mask.line === cursorLine ? mask.text.slice(0, offset) : original;
    /** Where the completion parse of `t` stops before the cursor's line (its offset), or undefined if it does not. */
    const stopOf = (t: string): { offset: number; previous?: number } | undefined => {
      const parsed = this.completionParser.parse(t);
      const stop = parsed.tokens[parsed.tokenIndex];
      if (parsed.tokenIndex === 0 || !stop || document.positionAt(stop.startOffset).line >= cursorLine) return undefined;
      return { offset: stop.startOffset, previous: parsed.tokens[parsed.tokenIndex - 1]?.startOffset };
    };
    let stop = stopOf(text);
    for (let attempt = 0; stop && attempt < MAX_BLANKED_LINES; attempt++) {
      // the line the parse stopped on, or the line before it: when the stop is the first token of its line, the
      // statement before it may be the one left unfinished (`kernel` without a version, then `arch x86_64`); the
      // candidate that lets the parse get further wins
      const own = blankLine(text, stop.offset);
      const prev = stop.previous === undefined ? text : blankLine(text, stop.previous);
      const order = firstOnLine(text, stop.offset) ? [prev, own] : [own, prev];
      let next: string | undefined;
      let nextStop: ReturnType<typeof stopOf>;
      for (const candidate of order) {
        if (candidate === text) continue;
        const s = stopOf(candidate);
        const further = !s || s.offset > stop.offset;
        if (next === undefined || further) {
          next = candidate;
          nextStop = s;
        }
        if (further) break;
      }
      if (next === undefined) break;
      text = next;
      stop = nextStop;
    }
    return text === original ? super.findFeaturesAt(document, offset) : super.findFeaturesAt(TextDocument.create(document.uri, document.languageId, document.version, text), offset);
  }


  /**
   * The topology files an `import` of `document` may name: every other `.iommu` document of the workspace, as a path
   * relative to `document`'s directory (the way imports resolve), not those it imports already; sorted.
   */
  private importablePaths(document: LangiumDocument): string[] {
    const root = document.parseResult?.value;
    // by the file they resolve to: `./ws.iommu` and `sub/../ws.iommu` import `ws.iommu`
    const imported = new Set(isDocument(root) ? (root.imports ?? []).filter((i) => !!i.path).map((i) => resolveImportUri(document, i.path).toString()) : []);
    const here = UriUtils.dirname(document.uri);
    return this.documents.all
      .filter((d) => d !== document && d.uri.scheme === document.uri.scheme && d.uri.path.endsWith('.iommu') && !imported.has(d.uri.toString()))
      .map((d) => UriUtils.relative(here, d.uri))
      .toArray()
      .sort();
  }

  /**
   * Inside the quotes of `import "…"`: {@link importablePaths}, each replacing what is between the quotes (up to the
   * cursor when the string is not closed yet). Undefined anywhere else.
   */
  private importPathCompletion(document: LangiumDocument, params: CompletionParams): CompletionList | undefined {
    const at = stringAt(document, params, 'import', isImport);
    if (!at) return undefined;
    const { start, content, closed, text } = at;
    const range = { start: text.positionAt(start), end: closed ? text.positionAt(start + content.length) : params.position };
    const items = this.importablePaths(document).map((path) => ({ label: path, kind: CompletionItemKind.File, textEdit: { range, newText: path } }));
    return { isIncomplete: false, items };
  }

  /**
   * Inside the quotes of `cmdline "…"`: {@link CMDLINE_OPTIONS} for the word at the cursor (from the blank or quote
   * before it), each replacing that word. Undefined anywhere else.
   */
  private cmdlineCompletion(document: LangiumDocument, params: CompletionParams): CompletionList | undefined {
    const at = stringAt(document, params, 'cmdline', isCmdlineSetting);
    if (!at) return undefined;
    const { before, content, offset, text } = at;
    // inside a quoted kernel value (`dyndbg=\"file x.c |`, the DSL string escapes the kernel's quotes): the words there
    // belong to that value, not parameters (kernel-cmdline.ts), so nothing is proposed
    if ((before.match(/\\"/g)?.length ?? 0) % 2 === 1) return { isIncomplete: false, items: [] };
    const word = /[^\s"]*$/.exec(before)![0];
    const start = text.positionAt(offset - word.length);
    // the options the line has already (a word other than the one at the cursor) are not offered again
    const after = /^[^\s"]*/.exec(content.slice(before.length))![0];
    const words = content.split(/\s+/);
    const here = words.indexOf(word + after);
    const present = new Set(words.filter((w, i) => w && i !== here));
    const items = CMDLINE_OPTIONS.filter((o) => o.name.startsWith(word) && !present.has(o.name)).map((o, i) => ({
      label: o.name,
      kind: CompletionItemKind.EnumMember,
      detail: o.doc,
      documentation: o.doc,
      sortText: String(i).padStart(3, '0'),
      textEdit: { range: { start, end: params.position }, newText: o.name },
    }));
    return { isIncomplete: false, items };
  }

  /**
   * One proposal step of Langium's completion: `next` is a grammar element that can follow the text before the cursor.
   * A value position with a vocabulary ({@link VALUE_SLOTS}, found by {@link slotOf}) proposes that vocabulary instead of
   * the grammar's own alternatives (which are plain IDs there); a `param` line proposes its values ({@link paramValues})
   * next to the grammar's `yes`/`no`/… keywords, and after the name the `=` with them. Everything else (keywords,
   * cross-references) is Langium's; a name being declared (`endpoint <name>`, `vm <name>`) has no slot vocabulary and is
   * an ID terminal, for which Langium proposes nothing.
   */
  protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
    // in the middle of an `acs` line (`acs cap SV RR ctl SV |`): only how that line goes on (its flags, `ctl`,
    // `firmware-ctl`), not the properties and kinds that may syntactically follow the property there
    const acs = this.continuesAcsLine(context);
    if (acs) {
      const inAcs = AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule)?.name === 'AcsProp';
      // the `acs` keyword of the rule starts another acs property
      if (!inAcs || (GrammarAST.isKeyword(next.feature) && next.feature.value === 'acs')) return;
      // a list keyword the line has already (`acs cap | ctl SV`: not `ctl` again)
      if (GrammarAST.isKeyword(next.feature) && hasKeyword(acs.$cstNode, next.feature.value)) return;
    }
    // a line a block holds once (`kernel`, `driver`, `backend`, …; a second is REF005) is not offered where the block has it
    if (GrammarAST.isKeyword(next.feature) && this.setAlready(context, next.feature)) return;
    const slot = this.slotOf(context, next);
    if (slot && !GrammarAST.isCrossReference(slot.assignment.terminal)) {
      const key = `${slot.type}.${slot.property}`;
      const vocabulary = VALUE_SLOTS[key]?.terms;
      if (vocabulary) return this.acceptTerms(context, acceptor, slot.assignment.operator === '+=' ? this.notListed(context, slot, vocabulary) : vocabulary);
      // the grammar's Bool keywords are values too: they stay, the terminals (INT, ID, …) get the known values
      if (key === 'ModuleParam.value' && !GrammarAST.isKeyword(next.feature)) return this.acceptTerms(context, acceptor, this.paramValues(context));
    }
    // `import |`: the files to import, quoted
    if (slot?.type === 'Import' && slot.property === 'path') {
      for (const path of this.importablePaths(context.document)) acceptor(context, { label: JSON.stringify(path), kind: CompletionItemKind.File, sortText: '0' + path });
      return;
    }
    if (GrammarAST.isKeyword(next.feature) && next.feature.value === '=' && AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule)?.name === 'ModuleParam') {
      // Langium leaves out keywords without letters; here `=` is the only way on (besides a longer name)
      const values = this.paramValues(context);
      if (!values.length) return acceptor(context, { label: '=', kind: CompletionItemKind.Operator, sortText: '1=' });
      return this.acceptTerms(context, acceptor, values.map((v) => ({ name: `= ${v.name}`, doc: v.doc })));
    }
    return super.completionFor(context, next, acceptor);
  }

  /**
   * Whether `keyword` starts a line that holds one value ({@link singleValuedKey}: `kernel`, `arch`, a device's `driver`,
   * a VM's `backend`, …) and the block the cursor is in (host, IOMMU unit, device or VM) has such a line already, other
   * than one at the cursor. Register lines (`cap`, `ecap`) and lines that add up (`caps`, `param`, `assign`) are always
   * offered.
   */
  private setAlready(context: CompletionContext, keyword: GrammarAST.Keyword): boolean {
    const rule = AstUtils.getContainerOfType(keyword, GrammarAST.isParserRule);
    if (!rule || !SINGLE_VALUED_TYPES.has(rule.name) || !this.firstFeatures(rule).has(keyword)) return false;
    const block = blockAt(context.node, context.offset);
    if (!block) return false;
    for (const member of AstUtils.streamContents(block)) {
      if (member.$type !== rule.name) continue;
      const cst = member.$cstNode;
      if (cst && cst.offset <= context.offset && context.offset <= cst.end) continue;
      return true;
    }
    return false;
  }

  private readonly acsLines = new WeakMap<CompletionContext, AstNode | null>();

  /**
   * The `acs` property (not `acs none`) that the token being completed continues on its line, or undefined: the last
   * token before it, on the same line, is that property's keyword, a list keyword or a flag.
   */
  private continuesAcsLine(context: CompletionContext): AstNode | undefined {
    let known = this.acsLines.get(context);
    if (known === undefined) {
      known = null;
      const root = context.document.parseResult?.value?.$cstNode;
      const before = root && context.tokenOffset > 0 ? CstUtils.findLeafNodeBeforeOffset(root, context.tokenOffset - 1) : undefined;
      if (before && !before.hidden && before.end <= context.tokenOffset && isAcsProp(before.astNode) && !before.astNode.none) {
        const between = context.textDocument.getText().slice(before.end, context.tokenOffset);
        if (!between.includes('\n')) known = before.astNode;
      }
      this.acsLines.set(context, known);
    }
    return known ?? undefined;
  }

  /**
   * Device references (`assign`, `hwpt … attach`): one candidate per device, not one per spelling the scope knows it by
   * (name, canonical BDF, short BDF): the first spelling the text typed so far matches (the name when nothing is typed).
   * Devices the VM already names are left out: for `assign`, any device of its `assign` lines and HWPTs (assigning one
   * twice is REF003); for `attach`, the devices of its HWPTs. Other references are Langium's.
   */
  protected override getReferenceCandidates(refInfo: ReferenceInfo, context: CompletionContext): Stream<AstNodeDescription> {
    const all = super.getReferenceCandidates(refInfo, context);
    const container = refInfo.container;
    if (refInfo.property !== 'devices' || !(isAssignProp(container) || isHwptDecl(container))) return all;
    const vm = AstUtils.getContainerOfType(container, isVm);
    const typed = context.textDocument.getText().substring(context.tokenOffset, context.offset);
    const named = new Set<PciDevice>();
    if (vm) {
      // the other references of this VM (the one at the cursor does not count: it is being written)
      // `assign` leaves out what any line of the VM names (REF003); `attach` what another HWPT holds (a device
      // attaches to one), not what an `assign` line names: moving an assigned device into a HWPT is how one is made
      const attach = isHwptDecl(container);
      for (const node of AstUtils.streamAllContents(vm)) {
        if (!isHwptDecl(node) && (attach || !isAssignProp(node))) continue;
        for (const ref of node.devices) {
          const cst = ref.$refNode;
          if (cst && cst.offset <= context.offset && context.offset <= cst.end) continue;
          const target = ref.ref;
          if (target) named.add(target);
        }
      }
    }
    const chosen = new Map<PciDevice, AstNodeDescription>();
    for (const d of all) {
      const node = d.node;
      if (!isPciDevice(node) || named.has(node)) continue;
      const earlier = chosen.get(node);
      if (!earlier) chosen.set(node, d);
      // a later spelling replaces the name only when the typed text matches it and not the name
      else if (typed && !this.fuzzyMatcher.match(typed, earlier.name) && this.fuzzyMatcher.match(typed, d.name)) chosen.set(node, d);
    }
    return stream(chosen.values());
  }

  /** A device reference's item shows the device's kind and BDF; bridges and ports (vfio-pci refuses them, VIA003) sort last. */
  protected override createReferenceCompletionItem(description: AstNodeDescription, refInfo: ReferenceInfo, context: CompletionContext): CompletionValueItem {
    const item = super.createReferenceCompletionItem(description, refInfo, context);
    const node = description.node;
    if (!isPciDevice(node)) return item;
    const bridge = BRIDGE_KINDS.has(node.kind as PciKind);
    const other = description.name === node.name ? node.bdf : node.name;
    return { ...item, detail: `${node.kind}${other && other !== description.name ? ` ${other}` : ''}`, sortText: `${bridge ? '1' : '0'}${description.name}` };
  }

  private acceptTerms(context: CompletionContext, acceptor: CompletionAcceptor, terms: Term[]): void {
    for (const t of terms) {
      acceptor(context, { label: t.name, kind: CompletionItemKind.EnumMember, detail: t.doc, documentation: t.doc, sortText: '0' + t.name });
    }
  }

  /**
   * `terms` without the values a list at the cursor already holds (`caps snoop-control, |` does not offer
   * `snoop-control` again), but with the word being typed at the cursor; flags compare case-insensitively.
   */
  private notListed(context: CompletionContext, slot: Slot, terms: Term[]): Term[] {
    const node = context.node && AstUtils.getContainerOfType(context.node, (n): n is AstNode => n.$type === slot.type);
    if (!node) return terms;
    // `caps` lines add up: the unit's other caps lines count too (an `acs` line replaces the one before, REF005)
    const lines = slot.type === 'IommuCapsProp' && isIommu(node.$container) ? node.$container.props.filter((p) => p.$type === slot.type) : [node];
    const listed = lines.flatMap((n) => ((n as unknown as Record<string, unknown>)[slot.property] as unknown[] | undefined) ?? []);
    if (!listed.length) return terms;
    const fold = (v: unknown) => String(v).toLowerCase();
    const typing = fold(context.textDocument.getText().slice(context.tokenOffset, context.tokenEndOffset));
    const have = new Set(listed.map(fold).filter((v) => v !== typing));
    return terms.filter((t) => !have.has(fold(t.name)));
  }

  /**
   * The values known for the `param` line at the cursor: the well-known parameters ({@link MODULE_PARAMS}) are all bool
   * parameters (read by `kstrtobool`, vm/drivers.ts), so `1` and `0`; nothing for another parameter.
   */
  private paramValues(context: CompletionContext): Term[] {
    const param = context.node && AstUtils.getContainerOfType(context.node, isModuleParam);
    return param && MODULE_PARAMS.some((p) => p.name === param.name) ? BOOL_PARAM_VALUES : [];
  }

  /**
   * The grammar slot (`<AST type>.<property>`, the key of {@link VALUE_SLOTS}) that `next` fills: the assignment around it
   * in its rule, typed by the rule (or the action before it, `{infer AcsProp}`). Inside a data-type rule
   * (`name=QualifiedName`, `value=ParamValue`) there is no assignment, and Langium's `next.property` is lost inside the
   * rule's groups, so the slot is the assignment that calls the rule ({@link callSites}), and only where `next` starts
   * the value (the `.` or the second ID of `a.b` continue one): when several assignments call it (`Version`), the one
   * whose type is the AST node at the cursor or a container of it. Undefined when that leaves no single slot.
   */
  private slotOf(context: CompletionContext, next: NextFeature): Slot | undefined {
    const rule = AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule);
    if (!rule) return undefined;
    const assignment = AstUtils.getContainerOfType(next.feature, GrammarAST.isAssignment);
    if (assignment) return { type: assignmentOwner(assignment, rule), property: assignment.feature, assignment };
    // an unassigned keyword of a rule (`param`, `=`, `at`) fills no slot
    if (!GrammarUtils.isDataTypeRule(rule)) return undefined;
    const sites = this.callSites(rule).filter((s) => this.firstFeatures(s.value!).has(next.feature));
    if (sites.length <= 1) return sites[0];
    const around = new Set<string>();
    for (let n = context.node; n; n = n.$container) around.add(n.$type);
    const here = sites.filter((s) => around.has(s.type));
    return here.length === 1 ? here[0] : undefined;
  }

  private readonly callSiteCache = new Map<GrammarAST.ParserRule, Slot[]>();
  private readonly firstFeatureCache = new Map<GrammarAST.ParserRule, Set<GrammarAST.AbstractElement>>();

  /**
   * The assignments that take the data-type rule `rule` as their value, directly (`value=ParamValue`) or through other
   * data-type rules (`Bool` inside `ParamValue`); each with the data-type rule it calls as `value`.
   */
  private callSites(rule: GrammarAST.ParserRule, seen = new Set<GrammarAST.ParserRule>()): Slot[] {
    const cached = this.callSiteCache.get(rule);
    if (cached) return cached;
    seen.add(rule);
    const sites: Slot[] = [];
    for (const call of AstUtils.streamAllContents(this.grammar).filter(GrammarAST.isRuleCall)) {
      if (call.rule.ref !== rule) continue;
      const caller = AstUtils.getContainerOfType(call, GrammarAST.isParserRule);
      if (!caller) continue;
      const assignment = AstUtils.getContainerOfType(call, GrammarAST.isAssignment);
      if (assignment && !GrammarUtils.isDataTypeRule(caller)) {
        sites.push({ type: assignmentOwner(assignment, caller), property: assignment.feature, assignment, value: rule });
      } else if (GrammarUtils.isDataTypeRule(caller) && !seen.has(caller)) sites.push(...this.callSites(caller, seen));
    }
    this.callSiteCache.set(rule, sites);
    return sites;
  }

  /** The grammar elements a value of the data-type rule `rule` can start with (through nested data-type rules). */
  private firstFeatures(rule: GrammarAST.ParserRule): Set<GrammarAST.AbstractElement> {
    let first = this.firstFeatureCache.get(rule);
    if (!first) {
      first = new Set(findFirstFeatures(rule.definition).map((stack) => stack[stack.length - 1].feature));
      this.firstFeatureCache.set(rule, first);
    }
    return first;
  }
}

/**
 * The block (host, IOMMU unit, device or VM) a new line at `offset` goes into: from `node` (Langium's node at or before
 * the cursor) up, the first block whose text holds `offset` after its start, up to its closing `}` (to any offset when
 * the block is not closed yet).
 */
function blockAt(node: AstNode | undefined, offset: number): AstNode | undefined {
  for (let n = node; n; n = n.$container) {
    if (!isHost(n) && !isIommu(n) && !isPciDevice(n) && !isVm(n)) continue;
    const cst = n.$cstNode;
    if (!cst || offset <= cst.offset) continue;
    const brace = cst.text.indexOf('{');
    if (brace < 0 || offset <= cst.offset + brace) continue;
    if (offset < cst.end || !cst.text.endsWith('}')) return n;
  }
  return undefined;
}

/** A grammar position that takes a value: the AST type and property it sets, and the grammar assignment. */
interface Slot {
  type: string;
  property: string;
  assignment: GrammarAST.Assignment;
  /** For a slot found from inside a data-type rule: the data-type rule the assignment calls. */
  value?: GrammarAST.ParserRule;
}

/** The AST type an assignment of `rule` sets a property of: the type of the action before it, else the rule's type. */
function assignmentOwner(assignment: GrammarAST.Assignment, rule: GrammarAST.ParserRule): string {
  const action = GrammarUtils.getActionAtElement(assignment);
  return action ? GrammarUtils.getTypeName(action) : (GrammarUtils.getExplicitRuleType(rule) ?? rule.name);
}

/** The values of a bool module parameter (`param_set_bool`), as a `param` line writes them. */
const BOOL_PARAM_VALUES: Term[] = [
  { name: '1', doc: 'Enabled (sysfs shows Y).' },
  { name: '0', doc: 'Disabled, the default (sysfs shows N).' },
];
