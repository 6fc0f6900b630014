/**
 * Langium's document validator, with the per-node loop made cheaper: Langium awaits a cancellation check
 * and every (synchronous) check for each AST node, and rebuilds the check list per node. Topology files
 * have tens of thousands of nodes and few checks, so here each node type's check list is read once per run from the
 * registry's arrays (IommuValidationRegistry.checksOf, built once until a check is registered), synchronous checks are not awaited, the tree is walked with a plain recursion ({@link walkAst})
 * instead of a stream and without reading the properties of nodes of leaf types ({@link leafTypes}), only
 * nodes with checks are queued, and cancellation is checked every 256 of them (Langium itself only yields
 * every 10 ms). Diagnostic ranges of a property come from {@link findPropertyCst}, which finds the same CST
 * node as Langium's lookup. Behaviour is otherwise the same (same order, same pruning options).
 *
 * Langium's own diagnostics get stable codes (`SYN000` syntax, `REF001` unresolved reference) and, where the message
 * suggests a replacement (a keyword, {@link parserSuggestion}; a declared name, {@link IommuDocumentValidator.linkingMessage}),
 * `data.replacement` for the quick fix.
 */
import { AstUtils, Cancellation, DefaultDocumentValidator, DocumentValidator, interruptAndCheck, isReference, type AstNode, type DiagnosticInfo, type LangiumCoreServices, type LangiumDocument, type ParseResult, type Reference, type ScopeProvider, type ValidationAcceptor, type ValidationOptions } from 'langium';
import type { Diagnostic, Position } from 'vscode-languageserver-types';
import { walkAst } from './ast-walk.js';
import { wordKeywords } from './keywords.js';
import { findPropertyCst } from './cst-lookup.js';
import { isVm } from './generated/ast.js';
import { strayWords, type StrayWord } from './stray-words.js';
import { leafTypes } from './grammar-leaves.js';
import { IommuParserErrorMessageProvider, parserSuggestion } from './parser-messages.js';
import { IommuValidationRegistry } from './iommu-validation-registry.js';
import { keywordNameData, keywordNameMessage } from './iommu-lexer.js';
import { ruleHref } from './rule-links.js';
import { closestTerm } from './suggest.js';

type CancellationToken = Cancellation.CancellationToken;
const CancellationToken = Cancellation.CancellationToken;

type Check = (node: AstNode, accept: ValidationAcceptor, token: CancellationToken) => unknown;

/**
 * Stable codes (README rule table) for the diagnostics Langium makes itself: lexer and parser errors are `SYN000`,
 * unresolved cross-references `REF001`. `data.code` keeps Langium's value, which Langium's own options read.
 */
const LANGIUM_CODES: Record<string, string> = {
  [DocumentValidator.LexingError]: 'SYN000',
  [DocumentValidator.ParsingError]: 'SYN000',
  [DocumentValidator.LinkingError]: 'REF001',
};

/** How an unresolved reference names what it looked for, by the target type. */
const REFERENCE_TARGETS: Record<string, string> = { PciDevice: 'device', Host: 'host', Iommu: 'IOMMU' };

/**
 * Remove, from index `from` on, diagnostics with the same range and message as an earlier one of that part (in place).
 * Chevrotain's recovery can report one stray word twice (`acs nne`: once for the property, once for the block).
 */
function dropRepeats(diagnostics: Diagnostic[], from: number): void {
  const seen = new Set<string>();
  let w = from;
  for (let i = from; i < diagnostics.length; i++) {
    const d = diagnostics[i];
    const r = d.range;
    const key = `${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}:${typeof d.message === 'string' ? d.message : d.message.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics[w++] = d;
  }
  diagnostics.length = w;
}

/** {@link keywordNameMessage}'s text, capturing the keyword. */
const KEYWORD_NAME = /^'([a-z][\w-]*)' is a keyword and cannot be a name;/;
/** What follows a declaration's name: `at` (a device), `on` (a VM) or `{` (a host, IOMMU or HWPT), after blanks. */
const NAME_FOLLOWER = /^[ \t]+(?:at|on)\b|^\s*\{/;

/** Only blanks and comments (the grammar's hidden terminals). */
const TRIVIA = /^(?:\s|\/\/[^\n\r]*|\/\*[\s\S]*?\*\/)*$/;

/** True if position `a` comes strictly before `b` (also the formatter's range test). */
export function positionBefore(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** Give a Langium diagnostic its stable code and README link (in place). */
function withCode(d: Diagnostic): void {
  const code = LANGIUM_CODES[(d.data as { code?: string } | undefined)?.code ?? ''];
  if (code && d.code === undefined) {
    d.code = code;
    d.codeDescription = { href: ruleHref(code) };
  }
}

export class IommuDocumentValidator extends DefaultDocumentValidator {
  /** Node types that never contain AST nodes (from the grammar): the walk does not read their properties. */
  private readonly leaves: ReadonlySet<string>;
  /** The grammar's word keywords (`host`, `vm`, `driver`, …), which the lexer never gives as a name. */
  private readonly keywords: ReadonlySet<string>;

  private readonly scopes: ScopeProvider;
  private readonly reflection: LangiumCoreServices['shared']['AstReflection'];
  private readonly messages: LangiumCoreServices['parser']['ParserErrorMessageProvider'];

  constructor(services: LangiumCoreServices) {
    super(services);
    this.leaves = leafTypes(services.Grammar);
    this.scopes = services.references.ScopeProvider;
    this.reflection = services.shared.AstReflection;
    this.messages = services.parser.ParserErrorMessageProvider;
    this.keywords = wordKeywords(services.Grammar);
  }

  protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
    const from = diagnostics.length;
    super.processLexingErrors(parseResult, diagnostics, options);
    for (let i = from; i < diagnostics.length; i++) {
      const d = diagnostics[i];
      // chevrotain's "unexpected character: ->ä<- at offset: 41, skipped 1 characters." in words
      const bad = typeof d.message === 'string' ? /^unexpected character: ->([\s\S]+?)<- at offset: \d+, skipped \d+ characters?\.$/.exec(d.message) : null;
      if (bad) d.message = `unexpected character '${bad[1]}': names and values are written in ASCII (letters, digits, '_', '-', '.', ':'); text in quotes may hold any character`;
      // a mistyped block keyword the lexer repaired (iommu-lexer.ts) says what it meant, as the parser's messages do
      const replacement = typeof d.message === 'string' ? parserSuggestion(d.message) : undefined;
      if (replacement !== undefined) d.data = { ...(d.data as object), replacement };
      // a keyword as a declaration's name (iommu-lexer.ts rule 4): the fix renames it here and at its references
      const keyword = typeof d.message === 'string' ? KEYWORD_NAME.exec(d.message)?.[1] : undefined;
      if (keyword !== undefined && d.message === keywordNameMessage(keyword)) d.data = { ...(d.data as object), ...keywordNameData(keyword) };
      withCode(d);
    }
  }

  /**
   * How many more REF001 diagnostics of the current document get a suggestion: each searches the reference's whole
   * scope (a host's names and BDFs), so a file with hundreds of broken references (a VM whose host is being renamed)
   * does not make every keystroke pay for all of them.
   */
  private suggestionsLeft = 0;
  static readonly MAX_REFERENCE_SUGGESTIONS = 50;

  protected override processLinkingErrors(document: LangiumDocument, diagnostics: Diagnostic[], options: ValidationOptions): void {
    this.suggestionsLeft = IommuDocumentValidator.MAX_REFERENCE_SUGGESTIONS;
    const from = diagnostics.length;
    super.processLinkingErrors(document, diagnostics, options);
    for (let i = from; i < diagnostics.length; i++) withCode(diagnostics[i]);
  }

  protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor, cancelToken = CancellationToken.None): Promise<void> {
    if (this.profiler?.isActive('validating')) return super.validateAstNodes(rootNode, options, acceptor, cancelToken);
    const byType = new Map<string, readonly Check[]>();
    const registry = this.validationRegistry;
    const checksOf = (type: string): readonly Check[] => {
      let checks = byType.get(type);
      if (!checks) {
        checks = (registry instanceof IommuValidationRegistry ? registry.checksOf(type, options.categories) : registry.getChecks(type, options.categories).toArray()) as readonly Check[];
        byType.set(type, checks);
      }
      return checks;
    };
    // only nodes that have checks are queued: most nodes of a topology file (names, values, references)
    // have none, and an entry per node is most of what this loop would allocate
    const nodes: AstNode[] = [];
    const leaves = this.leaves;
    walkAst(rootNode, (node) => {
      const nodeOptions = this.validateSingleNodeOptions(node, options);
      if (nodeOptions.validateNode && checksOf(node.$type).length > 0) nodes.push(node);
      return nodeOptions.validateChildren && !leaves.has(node.$type);
    });
    for (let n = 0; n < nodes.length; n++) {
      if ((n & 255) === 255) await interruptAndCheck(cancelToken);
      const node = nodes[n];
      const checks = byType.get(node.$type)!;
      // indexed loop: in this async function `for…of` keeps an array iterator per node
      for (let c = 0; c < checks.length; c++) {
        const r = checks[c](node, acceptor, cancelToken);
        if (r && typeof (r as Promise<void>).then === 'function') await r;
      }
    }
  }

  /** Langium's parser diagnostics; one whose message suggests a keyword carries it as `data.replacement` (a quick fix). */
  protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
    const from = diagnostics.length;
    super.processParsingErrors(parseResult, diagnostics, options);
    this.rewriteStrayWords(parseResult.value, diagnostics, from);
    this.rewriteKeywordNames(parseResult.value, diagnostics, from);
    dropRepeats(diagnostics, from);
    for (let i = from; i < diagnostics.length; i++) {
      const d = diagnostics[i];
      const replacement = typeof d.message === 'string' ? parserSuggestion(d.message) : undefined;
      if (replacement !== undefined) d.data = { ...(d.data as object), replacement };
      withCode(d);
    }
  }

  /**
   * A keyword used as a name (`endpoint host at 0000:01:00.0`, `vm iommu on h`): the parser says "expected a name,
   * found 'host'" and then trips over the rest of the line ("expected a name, found 'at'"). When the keyword is followed
   * by what follows a name (`at`, `on` or `{`; a name left out, `endpoint at 0000:01:00.0`, keeps its message), the
   * first error is rewritten to say why, with `<keyword>_` as the suggested name (a quick fix, `data.replacement`), and the errors
   * that follow it on the same line are dropped, as is the "unmatched '}'" of a block whose `{` the parser lost with
   * it (`iommu driver {`). Diagnostics from index `from` on are rewritten in place.
   */
  private rewriteKeywordNames(root: AstNode, diagnostics: Diagnostic[], from: number): void {
    // read only when an error needs it: a document made from a string or a file (the CLI) builds its TextDocument,
    // line offsets of the whole text, on first read
    let text: LangiumDocument['textDocument'] | undefined;
    let line = -1;
    let after = -1;
    /** Block braces whose opening the parser lost to a rewritten error: the next "unmatched '}'" is theirs. */
    let lostBraces = 0;
    let w = from;
    for (let i = from; i < diagnostics.length; i++) {
      const d = diagnostics[i];
      if (d.range.start.line === line && d.range.start.character >= after) continue; // a consequence of the one before
      if (lostBraces > 0 && typeof d.message === 'string' && d.message.startsWith("unmatched '}'")) {
        lostBraces--;
        continue;
      }
      const m = typeof d.message === 'string' ? /^expected a name, found '([a-z][\w-]*)'$/.exec(d.message) : null;
      // only where a name would be followed by what follows it here (`at`, `on`, `{`): `endpoint at 0000:01:00.0`
      // is a name left out, not a keyword used as one
      if (m && this.keywords.has(m[1])) text ??= root.$document?.textDocument;
      const rest = m && this.keywords.has(m[1]) && text ? text.getText().slice(text.offsetAt(d.range.end), text.offsetAt(d.range.end) + 200) : undefined;
      if (m && rest !== undefined && NAME_FOLLOWER.test(rest)) {
        d.message = keywordNameMessage(m[1]);
        d.data = { ...(d.data as object), ...keywordNameData(m[1]) };
        line = d.range.start.line;
        after = d.range.end.character;
        if (/^\s*\{/.test(rest)) lostBraces++;
      }
      diagnostics[w++] = d;
    }
    diagnostics.length = w;
  }

  /**
   * A device's kind may be any word (a mistyped kind is SYN002, not a parse error), so the parser takes a mistyped
   * property or member followed by a value (`drivr vfio-pci` in a device, `arhc x86_64` in a host) as a device and
   * stops at the missing `at` ("expected 'at', found '}'", after the value) or, when the value is not a name
   * (`kernl 6.12`), at the missing name ("expected a name, found '6.12'"). Such an error is rewritten to what
   * it is, on the word itself: `'drivr' is not a device property or device kind; did you mean 'driver'? (…)`, as the
   * parser says for a word alone (parser-messages.ts). Diagnostics from index `from` on are rewritten in place.
   */
  private rewriteStrayWords(root: AstNode, diagnostics: Diagnostic[], from: number): void {
    let words: StrayWord[] | undefined;
    let text: LangiumDocument['textDocument'] | undefined;
    for (let i = from; i < diagnostics.length; i++) {
      const d = diagnostics[i];
      if (typeof d.message !== 'string' || !(d.message.startsWith("expected 'at', found ") || d.message.startsWith('expected a name, found '))) continue;
      if (!words) {
        words = strayWords(root);
        text = root.$document?.textDocument;
        if (words.length === 0 || !text) return;
      }
      // the stray word this error ends: the last one that starts before the error (a binary search; words are in
      // text order), and only if the error is inside its device's text (recovery may take a keyword after it as the
      // name) or nothing but blanks and comments stands between them; an error further on (a host without a name
      // three lines below) is another one
      let lo = 0;
      for (let hi = words.length; lo < hi; ) {
        const mid = (lo + hi) >> 1;
        if (positionBefore(words[mid].range.start, d.range.start)) lo = mid + 1;
        else hi = mid;
      }
      const w = words[lo - 1];
      if (!w || !(this.messages instanceof IommuParserErrorMessageProvider)) continue;
      const at = text!.offsetAt(d.range.start);
      if (at > w.end && !TRIVIA.test(text!.getText().slice(w.end, at))) continue;
      d.message = this.messages.notAnElement(w.kind, w.block, true);
      d.range = w.range;
    }
  }

  /**
   * REF001's message: `unknown device 'gpx'; did you mean 'gpu'?`, the closest name (or BDF) the reference could
   * have meant, from the same scope the linker searched; the suggestion also goes to `data.replacement` (a quick
   * fix). Unchanged for any other reference type or when the scope cannot be read.
   */
  private linkingMessage(message: string, info: DiagnosticInfo<AstNode, string>): { message: string; replacement?: string; keywordName?: string } {
    const refText = (info.data as { refText?: string } | undefined)?.refText;
    // only "not found": Langium's "An error occurred while resolving reference …" reports an exception, not a typo
    if (!refText || typeof info.property !== 'string' || !message.startsWith('Could not resolve reference')) return { message };
    try {
      const value = (info.node as unknown as Record<string, unknown>)[info.property];
      const ref = (Array.isArray(value) ? value[info.index ?? 0] : value) as Reference | undefined;
      if (!isReference(ref)) return { message };
      const what = REFERENCE_TARGETS[this.reflection.getReferenceType({ container: info.node, property: info.property, reference: ref })];
      if (!what) return { message };
      // a keyword (`assign host`, `vm v on host`, lexed as a name, iommu-lexer.ts rule 3): no device or host can have that name
      if ((what === 'device' || what === 'host') && this.keywords.has(refText)) {
        return { message: `'${refText}' is a keyword and cannot be a name; rename the ${what} and its references, for example '${refText}_'`, ...keywordNameData(refText) };
      }
      let replacement: string | undefined;
      if (this.suggestionsLeft > 0) {
        this.suggestionsLeft--;
        // not a device the same list names already (`assign gpu, gpx`: 'gpu' would make a REF003)
        const listed = Array.isArray(value) ? new Set((value as (Reference | undefined)[]).map((r) => r?.ref).filter((n) => n !== undefined)) : undefined;
        const names = this.scopes
          .getScope({ container: info.node, property: info.property, index: info.index, reference: ref })
          .getAllElements()
          .filter((e) => !listed?.has(e.node as AstNode))
          .map((e) => e.name);
        replacement = closestTerm(refText, names);
      }
      // a VM's devices are looked up on its host: with that host unresolved, say so rather than blame the device
      const vm = AstUtils.getContainerOfType(info.node, isVm);
      const hostText = !replacement && what === 'device' && vm?.host && !vm.host.ref ? vm.host.$refText : undefined;
      const hostless = hostText ? ` (VM ${vm!.name ?? '?'}'s host '${hostText}' ${this.keywords.has(hostText) ? 'is a keyword, which cannot be a name' : 'is not declared'})` : '';
      return { message: `unknown ${what} '${refText}'${replacement ? `; did you mean '${replacement}'?` : hostless}`, replacement };
    } catch {
      return { message };
    }
  }

  protected override toDiagnostic<N extends AstNode>(severity: 'error' | 'warning' | 'info' | 'hint', message: string, info: DiagnosticInfo<N, string>): Diagnostic {
    if ((info.data as { code?: string } | undefined)?.code === DocumentValidator.LinkingError) {
      const m = this.linkingMessage(message, info as DiagnosticInfo<AstNode, string>);
      message = m.message;
      if (m.replacement !== undefined) info = { ...info, data: { ...(info.data as object), replacement: m.replacement, ...(m.keywordName ? { keywordName: m.keywordName } : {}) } };
    }
    if (!info.range && typeof info.property === 'string') {
      const cst = findPropertyCst(info.node.$cstNode, info.property, info.index) ?? info.node.$cstNode;
      if (cst) return super.toDiagnostic(severity, message, { ...info, range: cst.range });
    }
    return super.toDiagnostic(severity, message, info);
  }
}
