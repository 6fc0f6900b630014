/**
 * Langium's lexer, plus two context rules (and a depth limit, {@link MAX_BLOCK_DEPTH}).
 *
 * 1. Mistyped block keywords. A word followed by a name and `{` (or, for a VM, `on`) is never valid: every block
 *    starts with a keyword. When the word is a typo of the block keyword allowed there (`hst desktop {`, `immu dmar0 {`,
 *    `vn win11 on desktop {`), the token becomes that keyword and a lexing error reports the typo with the same text
 *    the parser uses (`'immu' is not a host member; did you mean 'iommu'? (…)`, with the quick fix). The parser then
 *    reads the block as intended: without this, it lost the block, closed the enclosing one at the block's `}` and
 *    reported everything after it, and every reference into the block, as errors of their own.
 *
 * 2. ACS lines: the words after `acs cap`, `ctl` and `firmware-ctl` are ACS_FLAG tokens, not ID.
 *
 * A flag list has no separators (`acs cap SV RR CR UF ctl SV RR CR UF`), and both flags and the first word of the next
 * line can be plain words (a device's kind may be any word, and a mistyped property is one). With flags lexed as
 * ID the list took every word that followed, across lines: `drivr pcieport` on the next line became two unknown ACS
 * flags, and `endpont gpu at …` two flags followed by a parse error at `at` that lost the rest of the host. Here a list
 * takes the words on the line of its keyword (any word: a typo there is SYN002 "unknown ACS flag"), and on later lines
 * only known flag names (`SV`, `rr`, …), so a list may still go on over several lines. Any other token ends it.
 *
 * 3. Device references: a word keyword in an `assign` or `attach` list, on the line of its keyword (`assign gpu, host`),
 *    is an ID. A device cannot be named by a keyword (`endpoint host at …` is SYN000 with the fix `host_`), but a
 *    reference to it took the keyword as the start of the next element: `assign host` read a top-level `host` block and
 *    lost the rest of the VM, with a bogus host and its findings. As an ID it is one unresolved reference, which
 *    REF001 words as a keyword used as a name. Only on the keyword's line: a list left open while typing (`assign` or
 *    `assign gpu,` at the end of a line) does not swallow the `hwpt` block on the next one.
 *    The same for a VM's host (`vm v on host {`, on the line of `vm`): left a keyword, it ended the VM and the VM's lines
 *    were read as members of a new host block.
 *
 * 4. Declaration names: a word keyword where a declaration's name stands is an ID, with a lexing error saying it is a
 *    keyword (`'host' is a keyword and cannot be a name; rename it, for example 'host_'`, SYN000 with the quick fix).
 *    That is a device kind (a kind keyword or any word) followed by the keyword and `at` (`endpoint host at …`), or
 *    `host`, `iommu`, `hwpt` or `vm` followed by it and `{` (`vm`: or `on`), the three tokens on one line and the first
 *    one starting the line or following a brace. The parser then reads the declaration whole: it used to stop at the
 *    keyword, read it as the start of a new (nameless) element and lose the rest of the enclosing block, so every
 *    device after it went missing and references to them were REF001 errors. The scope provider does not offer such a
 *    name (iommu-scope.ts): a reference that spells it stays one REF001 that says it is a keyword (rule 3).
 *
 * 5. Hex numbers without `0x`: the value of `secondary-bus` (`1a`) and each devfn of `dma-alias` (`0a.0`, `1f.7`) is
 *    one HEX_WORD token, the characters that follow one another without a space, a comma, a brace or a string, on the
 *    line of the keyword (or of the comma before it), starting with a hex digit (a keyword there, `secondary-bus
 *    driver vfio-pci`, is a value left out, and stays a keyword). Lexed alone, `1a` was a number and a name and `0a.0` four tokens, so a
 *    hex slot was a syntax error and a bus number such as `10` was read as decimal. Validation checks the word
 *    (SYN005).
 */
import { DefaultLexer, type LangiumCoreServices, type LexerResult, type TokenizeOptions } from 'langium';
import { IommuParserErrorMessageProvider } from './parser-messages.js';
import { isKindKeyword } from './stray-words.js';
import { closestTerm } from './suggest.js';
import { ACS_FLAGS } from '../../../src-core/src/vocabulary.js';

/** The parts of chevrotain's token and token type read and written here (chevrotain is not a direct dependency). */
interface TokenType {
  name: string;
  tokenTypeIdx?: number;
}
interface IToken {
  image: string;
  startOffset: number;
  startLine?: number;
  startColumn?: number;
  endOffset?: number;
  endLine?: number;
  endColumn?: number;
  tokenType: TokenType;
  tokenTypeIdx: number;
}

/** Keywords that start an ACS flag list inside an `acs` property. */
const LIST_KEYWORDS = new Set(['cap', 'ctl', 'firmware-ctl']);
/** Flag names, upper case (flags match case-insensitively, as the validator reads them). */
const FLAG_NAMES = new Set(ACS_FLAGS.map((t) => t.name.toUpperCase()));

/** A block keyword a typo may stand for, with the block rule whose message names the element. */
interface BlockKeyword {
  keyword: string;
  block: 'Document' | 'Host' | 'Vm';
}

/**
 * Block keywords that a typo may stand for, by where it stands: at the top level a host or a VM, directly in a host an
 * IOMMU unit, directly in a VM a HW page table. Nowhere deeper: `word name {` in a device block is a child device of
 * mistyped kind (SYN002), and neither block is allowed there.
 */
const BLOCK_KEYWORDS: { top: BlockKeyword[]; host: BlockKeyword[]; vm: BlockKeyword[] } = {
  top: [
    { keyword: 'host', block: 'Document' },
    { keyword: 'vm', block: 'Document' },
  ],
  host: [{ keyword: 'iommu', block: 'Host' }],
  vm: [{ keyword: 'hwpt', block: 'Vm' }],
};

/** A lexing error as Langium's lexer reports it (chevrotain's ILexingError). */
interface LexingError {
  offset: number;
  line: number | undefined;
  column: number | undefined;
  length: number;
  message: string;
}

/**
 * How deep blocks may nest (a host is 1, its devices 2, …). The parser and Langium's CST builder recurse per level and
 * ran out of stack at about 250; real PCI hierarchies are a few bridges deep (each level is a bus, and a domain has
 * 256), so a deeper block is skipped with an error ({@link skipDeepBlocks}) instead.
 */
export const MAX_BLOCK_DEPTH = 100;

/** Langium's lexer with the rules of this file (registered as `parser.Lexer` in iommu-module.ts). */
export class IommuLexer extends DefaultLexer {
  private readonly services: LangiumCoreServices;

  constructor(services: LangiumCoreServices) {
    super(services);
    this.services = services;
  }

  /** Langium's tokens and lexing errors, with rule 1's retyped tokens and errors and rule 2's ACS_FLAG tokens; never throws. */
  override tokenize(text: string, options?: TokenizeOptions): LexerResult {
    const result = super.tokenize(text, options);
    const tokens = result.tokens as IToken[];
    const d = this.definition;
    (result.errors as LexingError[]).push(...skipDeepBlocks(tokens));
    if (d.ID && d['{'] && d['}']) {
      const messages = this.services.parser.ParserErrorMessageProvider;
      if (messages instanceof IommuParserErrorMessageProvider) {
        (result.errors as LexingError[]).push(...repairBlockKeywords(tokens, d as unknown as Record<string, TokenType>, (word, block) => messages.notAnElement(word, block, block !== 'Document')));
      }
    }
    if (d.ACS_FLAG && d.ID) retypeAcsFlags(tokens, d.ID, d.ACS_FLAG);
    if (d.ID) retypeKeywordReferences(tokens, d.ID);
    if (d.ID) (result.errors as LexingError[]).push(...retypeKeywordNames(tokens, d.ID));
    if (d.HEX_WORD) joinHexWords(tokens, d.HEX_WORD);
    return result;
  }
}

/**
 * Rule 1 above: retype each `word name {` / `word name on` whose word is close to a block keyword allowed where it
 * stands ({@link BLOCK_KEYWORDS}: at the top level, or directly in a host or a VM; the closest, with the same first
 * letter and at most two letters longer or shorter), in place; returns a lexing error per retyped word, with
 * `message(word, block)` as its text. `types` is the lexer's token types by name.
 */
export function repairBlockKeywords(tokens: IToken[], types: Record<string, TokenType>, message: (word: string, block: 'Document' | 'Host' | 'Vm') => string): LexingError[] {
  const errors: LexingError[] = [];
  let depth = 0;
  /** The top-level element being read: the block a depth-1 word stands in. */
  let top: 'host' | 'vm' | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const name = t.tokenType.name;
    if (name === '{') depth++;
    else if (name === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (name === 'host' || name === 'vm')) top = name;
    else if (depth === 0 && name === 'import') top = undefined;
    else if (t.tokenType === types.ID && i + 2 < tokens.length && tokens[i + 1].tokenType === types.ID) {
      const after = tokens[i + 2].tokenType.name;
      if (after !== '{' && after !== 'on') continue;
      const candidates = depth === 0 ? BLOCK_KEYWORDS.top : depth === 1 && top ? BLOCK_KEYWORDS[top] : [];
      const allowed = candidates.filter((k) => after === '{' || k.keyword === 'vm');
      const word = t.image;
      const s = closestTerm(word, allowed.map((k) => k.keyword));
      const k = allowed.find((a) => a.keyword === s);
      const type = k && types[k.keyword];
      if (!k || !type || word[0].toLowerCase() !== k.keyword[0] || Math.abs(word.length - k.keyword.length) > 2) continue;
      t.tokenType = type;
      t.tokenTypeIdx = type.tokenTypeIdx!;
      errors.push({ offset: t.startOffset, line: t.startLine, column: t.startColumn, length: word.length, message: message(word, k.block) });
      if (depth === 0) top = k.keyword as 'host' | 'vm';
    }
  }
  return errors;
}

/**
 * Remove, in place, each block opened deeper than {@link MAX_BLOCK_DEPTH}, from its `{` to its matching `}` (or to
 * the end), so the parser reads its device as one without a block; returns a lexing error per removed block, on its
 * `{`. Tokens are in text order.
 */
export function skipDeepBlocks(tokens: IToken[]): LexingError[] {
  const errors: LexingError[] = [];
  let depth = 0;
  // tokens are kept by copying them down to `w`: one pass, however many blocks are skipped
  let w = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const name = t.tokenType.name;
    if (name === '{' && depth === MAX_BLOCK_DEPTH) {
      errors.push({
        offset: t.startOffset,
        line: t.startLine,
        column: t.startColumn,
        length: 1,
        message: `blocks nested more than ${MAX_BLOCK_DEPTH} deep: this block and everything in it are skipped (a real PCI hierarchy is a few bridges deep)`,
      });
      // on to its matching `}` (or the end)
      for (let inner = 1; inner > 0 && ++i < tokens.length; ) {
        const n = tokens[i].tokenType.name;
        if (n === '{') inner++;
        else if (n === '}') inner--;
      }
      continue;
    }
    if (name === '{') depth++;
    else if (name === '}') depth = Math.max(0, depth - 1);
    tokens[w++] = t;
  }
  tokens.length = w;
  return errors;
}

/**
 * Give the flag words of each `acs` property token type `flag` (in place). Tokens are in text order; lines are
 * chevrotain's (1-based).
 */
export function retypeAcsFlags(tokens: IToken[], id: TokenType, flag: TokenType): void {
  let inAcs = false;
  /** Line of the last list keyword or flag: words on it are flags whatever they are. */
  let line = -1;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name === 'acs') {
      inAcs = true;
      line = -1;
    } else if (!inAcs) continue;
    else if (LIST_KEYWORDS.has(name)) line = t.endLine ?? -1;
    else if (t.tokenType === id && (line >= 0 && (t.startLine === line || FLAG_NAMES.has(t.image.toUpperCase())))) {
      t.tokenType = flag;
      t.tokenTypeIdx = flag.tokenTypeIdx!;
      line = t.endLine ?? line;
    } else inAcs = false;
  }
}

/** Keywords that start a device reference list. */
const REFERENCE_LISTS = new Set(['assign', 'attach']);

/** A keyword token of a word (`host`, `vm`, `root-port`): its type is named by its text. */
function isWordKeyword(t: IToken): boolean {
  return t.tokenType.name === t.image && /^[a-z][a-z0-9-]*$/.test(t.image);
}

/**
 * Rule 3 above: give each word keyword that stands as an element of an `assign` / `attach` list, on the line of the
 * list's keyword, or as the host of `vm NAME on` ({@link isVmHostKeyword}), token type `id` (in place). An element follows the keyword or a `,` of the list. Tokens are in text
 * order; lines are chevrotain's (1-based).
 */
export function retypeKeywordReferences(tokens: IToken[], id: TokenType): void {
  /** Line of the list keyword, while a list element may follow (after it or after a `,`); -1 otherwise. */
  let line = -1;
  /** The previous token was the list keyword or one of its commas. */
  let expectElement = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const name = t.tokenType.name;
    if (name === 'on' && isVmHostKeyword(tokens, i, id)) {
      const host = tokens[i + 1];
      host.tokenType = id;
      host.tokenTypeIdx = id.tokenTypeIdx!;
      i++;
      line = -1;
      continue;
    }
    if (REFERENCE_LISTS.has(name)) {
      line = t.startLine ?? -1;
      expectElement = true;
    } else if (line < 0) continue;
    else if (expectElement) {
      expectElement = false;
      if (t.startLine !== line) line = -1;
      else if (isWordKeyword(t)) {
        t.tokenType = id;
        t.tokenTypeIdx = id.tokenTypeIdx!;
      }
    } else if (name === ',') expectElement = true;
    else line = -1;
  }
}

/**
 * The host reference of `vm NAME on KEYWORD` (`vm v on host {`): `tokens[i]` is `on`, after `vm` and a name (or a
 * keyword written as one, rule 4), and the next token, on the same line, is a word keyword. Left a keyword, the parser
 * would end the VM there and read `host {` as a new host block holding the VM's lines; as a name it is one REF001
 * (a keyword cannot be a host's name) and the VM's block is read.
 */
function isVmHostKeyword(tokens: IToken[], i: number, id: TokenType): boolean {
  const vm = tokens[i - 2];
  const name = tokens[i - 1];
  const host = tokens[i + 1];
  if (!vm || !name || !host || vm.tokenType.name !== 'vm' || (name.tokenType !== id && !isWordKeyword(name))) return false;
  return vm.startLine === tokens[i].startLine && host.startLine === vm.startLine && isWordKeyword(host);
}

/** Block keywords whose name is followed by `{`, and for `vm` also by `on`. */
const NAMED_BLOCKS = new Set(['host', 'iommu', 'hwpt', 'vm']);

/** The message of a keyword written as a declaration's name (also the parser's, rewritten in iommu-document-validator.ts). */
export function keywordNameMessage(keyword: string): string {
  return `'${keyword}' is a keyword and cannot be a name; rename it, for example '${keyword}_'`;
}

/** The diagnostic data of {@link keywordNameMessage}'s error: the suggested name, and the keyword for the rename-everywhere fix. */
export function keywordNameData(keyword: string): { replacement: string; keywordName: string } {
  return { replacement: `${keyword}_`, keywordName: keyword };
}

/**
 * Rule 4 above: give each word keyword that stands as a declaration's name token type `id` (in place); returns a
 * lexing error per retyped keyword ({@link keywordNameMessage}). Tokens are in text order; lines are chevrotain's.
 */
export function retypeKeywordNames(tokens: IToken[], id: TokenType): LexingError[] {
  const errors: LexingError[] = [];
  for (let i = 1; i + 1 < tokens.length; i++) {
    const t = tokens[i];
    if (!isWordKeyword(t)) continue;
    const before = tokens[i - 1];
    const after = tokens[i + 1].tokenType.name;
    if (before.startLine !== t.startLine || tokens[i + 1].startLine !== t.startLine) continue;
    const kind = before.tokenType.name;
    const declares =
      after === 'at' ? isKindKeyword(kind) || before.tokenType === id : NAMED_BLOCKS.has(kind) && (after === '{' || (after === 'on' && kind === 'vm'));
    if (!declares) continue;
    // the kind (or block keyword) starts its line or follows a brace: not a value at the end of a property
    const prev = tokens[i - 2];
    if (prev && prev.endLine === before.startLine && prev.tokenType.name !== '{' && prev.tokenType.name !== '}') continue;
    t.tokenType = id;
    t.tokenTypeIdx = id.tokenTypeIdx!;
    errors.push({ offset: t.startOffset, line: t.startLine, column: t.startColumn, length: t.image.length, message: keywordNameMessage(t.image) });
  }
  return errors;
}

/** Keywords whose value is a hex word (rule 5), and whether a `,` continues it with another one. */
const HEX_WORD_KEYWORDS: ReadonlyMap<string, boolean> = new Map([
  ['secondary-bus', false],
  ['dma-alias', true],
]);
/** The first token of a hex word: hex digits, with a `0x` or a `.` among them (`1a`, `0x1a`, `0a`, `10.0`, `ff`). */
const HEX_START = /^[0-9a-fA-F][0-9a-fA-FxX.]*$/;
/** Tokens that end a hex word (and that one cannot start with). */
const HEX_WORD_STOPS = new Set([',', '{', '}']);

/**
 * Rule 5 above: after `secondary-bus`, and after `dma-alias` and each of its commas, join the tokens that follow on
 * the same line with no gap between them (up to a space, `,`, `{` or `}`) into one token of type `word`, in place.
 * Tokens are in text order, with chevrotain's inclusive end offsets and 1-based lines; one pass.
 */
export function joinHexWords(tokens: IToken[], word: TokenType): void {
  let w = 0;
  /** What the next token may be: nothing of this rule's, a word's start, or (in a `dma-alias` list) a comma. */
  let expect: 'none' | 'word' | 'comma' = 'none';
  /** The line of the keyword, comma or word just read: the next word or comma must be on it. */
  let line = -1;
  let list = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const name = t.tokenType.name;
    tokens[w++] = t;
    const continues = HEX_WORD_KEYWORDS.get(name);
    if (continues !== undefined) {
      expect = 'word';
      list = continues;
      line = t.endLine ?? -1;
      continue;
    }
    if (expect === 'none') continue;
    if (t.startLine !== line || (expect === 'comma' && name !== ',') || (expect === 'word' && HEX_WORD_STOPS.has(name) && !(list && name === ','))) {
      expect = 'none';
      continue;
    }
    line = t.endLine ?? -1;
    if (expect === 'comma') {
      expect = 'word';
      continue;
    }
    // a doubled comma (`1f.0,,0a.0`): still a list, the parser reports the missing element
    if (name === ',') continue;
    // only what can start a hex number: a keyword (`secondary-bus driver vfio-pci`, the value left out) or a string
    // stays as it is, for the parser to report
    if (!HEX_START.test(t.image) || isWordKeyword(t)) {
      expect = 'none';
      continue;
    }
    let end = t;
    let image = t.image;
    while (i + 1 < tokens.length) {
      const n = tokens[i + 1];
      if (HEX_WORD_STOPS.has(n.tokenType.name) || n.image.startsWith('"') || end.endOffset === undefined || n.startOffset !== end.endOffset + 1) break;
      image += n.image;
      end = n;
      i++;
    }
    t.image = image;
    t.endOffset = end.endOffset;
    t.endLine = end.endLine;
    t.endColumn = end.endColumn;
    t.tokenType = word;
    t.tokenTypeIdx = word.tokenTypeIdx!;
    line = t.endLine ?? -1;
    expect = list ? 'comma' : 'none';
  }
  tokens.length = w;
}
