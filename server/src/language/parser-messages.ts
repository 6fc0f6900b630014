/**
 * Parser error messages that say what a block may hold. Chevrotain's default for a mistyped keyword inside a block,
 * "Expecting token of type '}' but found `drivr`.", names only the token that would close the block. Here, when the
 * closing `}` of a block (or the end of the file) was expected and a word was found, the message names the kind of
 * element the block holds, the closest keyword ("did you mean 'driver'?") and the keywords that may start an element
 * there, read from the grammar so they cannot drift from it:
 *
 *   'drivr' is not a device property or device kind; did you mean 'driver'? (expected one of: id, class, …, or '}')
 *
 * A missing `}` at the end of the file and a stray `}` get messages of their own, and a missing value names the kind of
 * value (`expected a hex number such as 0x1f, found 'snoop-control'`) and a missing keyword is quoted (`expected 'at',
 * found '0000:01:00.0'`). Where one of a few single tokens was expected (no viable alternative: `assign 0000:01`), the
 * message names them the same way (`expected a name or a PCI address such as 0000:65:00.0, found '0000:01'`); longer
 * alternatives keep Langium's wording.
 * The suggestion is recovered from the message by {@link parserSuggestion} (the validator puts it in the diagnostic's
 * `data.replacement`, and the code action provider offers it as a quick fix).
 */
import { GrammarAST, LangiumParserErrorMessageProvider, type Grammar } from 'langium';
import { closestTerm } from './suggest.js';
import { VALUE_SLOTS } from './value-slots.js';

/** Per block rule: the rules of the elements it repeats, and how the message names one of them (with its article). */
const BLOCKS: Record<string, { elements: string[]; what: string; block: string }> = {
  Document: { elements: ['Import', 'TopLevel'], what: 'a top-level element', block: 'file' },
  Host: { elements: ['HostMember'], what: 'a host member', block: 'host' },
  Iommu: { elements: ['IommuProperty'], what: 'an IOMMU property', block: 'iommu' },
  PciDevice: { elements: ['DeviceProperty', 'PciDevice'], what: 'a device property or device kind', block: 'device' },
  Vm: { elements: ['VmProperty'], what: 'a VM property', block: 'vm' },
};

/** Chevrotain's option objects, as Langium's provider declares them (chevrotain is not a direct dependency). */
type MismatchOptions = Parameters<LangiumParserErrorMessageProvider['buildMismatchTokenMessage']>[0];
type NotAllInputOptions = Parameters<LangiumParserErrorMessageProvider['buildNotAllInputParsedMessage']>[0];
type NoViableAltOptions = Parameters<LangiumParserErrorMessageProvider['buildNoViableAltMessage']>[0];
type EarlyExitOptions = Parameters<LangiumParserErrorMessageProvider['buildEarlyExitMessage']>[0];
/** The parts of chevrotain's `IToken` read here. */
interface Token {
  image: string;
  tokenType?: { name: string };
}

/** How a message names a value of each terminal of the grammar (iommu-topology.langium). */
const TERMINALS: Record<string, string> = {
  ID: 'a name',
  HEX: 'a hex number such as 0x1f',
  INT: 'a number',
  STRING: 'a quoted string',
  ACS_FLAG: 'an ACS flag such as SV',
  BDF: 'a PCI address such as 0000:65:00.0',
  PCIID: 'a vendor:device ID such as 10de:2684',
  VERSION: 'a version such as 6.12',
  HEX_WORD: 'a hex number such as 1a',
};

/** Data type rules that stand for one kind of value, named as in {@link TERMINALS}. */
const VALUE_RULES: Record<string, string> = {
  Version: TERMINALS.VERSION,
  Devfn: 'a slot.function such as 1f.0',
  HexByte: 'a hex bus number such as 1a',
};

/**
 * The whole shape of a message {@link IommuParserErrorMessageProvider} builds with a suggestion. It starts with the
 * found token, which is a word, so a quoted string or other text the user typed cannot fake it inside Langium's own
 * messages (those start with "Expecting").
 */
const SUGGESTION = /^'[A-Za-z_][\w-]*' is not an? [^;']+; did you mean '([\w-]+)'\? \(expected one of: /;

/** The keyword a parser error message built here suggests, if any. */
export function parserSuggestion(message: string): string | undefined {
  return SUGGESTION.exec(message)?.[1];
}

function isOptional(e: GrammarAST.AbstractElement): boolean {
  return e.cardinality === '?' || e.cardinality === '*' || GrammarAST.isAction(e);
}

/**
 * The keywords that can start `el` (its FIRST set restricted to keywords; terminals such as ID are left out).
 * Groups contribute their elements up to the first one that is not optional.
 */
function firstKeywords(el: GrammarAST.AbstractElement | undefined, out: Set<string>, seen: Set<GrammarAST.AbstractRule>): void {
  if (!el) return;
  if (GrammarAST.isKeyword(el)) out.add(el.value);
  else if (GrammarAST.isAssignment(el)) firstKeywords(el.terminal, out, seen);
  else if (GrammarAST.isAlternatives(el) || GrammarAST.isUnorderedGroup(el)) for (const e of el.elements) firstKeywords(e, out, seen);
  else if (GrammarAST.isGroup(el)) {
    for (const e of el.elements) {
      firstKeywords(e, out, seen);
      if (!isOptional(e)) break;
    }
  } else if (GrammarAST.isRuleCall(el)) {
    const rule = el.rule.ref;
    if (GrammarAST.isParserRule(rule) && !seen.has(rule)) {
      seen.add(rule);
      firstKeywords(rule.definition, out, seen);
    }
  }
}

/**
 * The keywords that may start an element of block rule `block` (a key of {@link BLOCKS}; `Document`: `import`, `host`,
 * `vm`), in grammar order, read from `grammar`. Throws for a name that is not a block rule (a programming error).
 */
export function blockStarts(grammar: Grammar, block: string): string[] {
  if (!Object.hasOwn(BLOCKS, block)) throw new Error(`blockStarts: '${block}' is not a block rule (${Object.keys(BLOCKS).join(', ')})`);
  const out = new Set<string>();
  for (const e of BLOCKS[block].elements) {
    const rule = grammar.rules.find((r) => r.name === e);
    if (GrammarAST.isParserRule(rule)) firstKeywords(rule.definition, out, new Set([rule]));
  }
  return [...out];
}

function isWord(token: Token): boolean {
  return /^[A-Za-z_][\w-]*$/.test(token.image);
}

function isEof(token: Token): boolean {
  return token.tokenType?.name === 'EOF';
}

/** How a message names the token found: `'}'`, or `the end of the file`. */
/**
 * Grammar rule → how a message names the value its one closed-vocabulary name slot expects ("an IOMMU driver such as
 * intel-vtd, amd-vi or arm-smmu-v3"), from {@link VALUE_SLOTS}. Rules with several such slots (ACS lines) are left out.
 */
const SLOT_VALUE: ReadonlyMap<string, string> = (() => {
  const byRule = new Map<string, string[]>();
  for (const [key, slot] of Object.entries(VALUE_SLOTS)) {
    if (!slot.what) continue;
    const rule = key.split('.')[0];
    const names = slot.terms.slice(0, 3).map((t) => t.name);
    const article = /^[aeiou]/i.test(slot.what) || /^IOMMU|^MSI/.test(slot.what) ? 'an' : 'a';
    byRule.set(rule, [...(byRule.get(rule) ?? []), `${article} ${slot.what} such as ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`]);
  }
  return new Map([...byRule].filter(([, v]) => v.length === 1).map(([k, v]) => [k, v[0]]));
})();

function found(token: Token): string {
  return isEof(token) ? 'the end of the file' : `'${token.image}'`;
}

/** A `}` with no block open (the parser's "expected EOF" or "redundant input"). */
const UNMATCHED_BRACE = `unmatched '}': no block is open here (an earlier error may have closed it)`;

export class IommuParserErrorMessageProvider extends LangiumParserErrorMessageProvider {
  /** Block rule name → the keywords that may start one of its elements, in grammar order. */
  private readonly starts = new Map<string, string[]>();

  constructor(grammar: Grammar) {
    super();
    for (const name of Object.keys(BLOCKS)) this.starts.set(name, blockStarts(grammar, name));
  }

  override buildMismatchTokenMessage(options: MismatchOptions): string {
    const { expected, actual } = options;
    // Langium names chevrotain rules after the grammar rules with a zero-width space appended
    const ruleName = options.ruleName.replace(/\u200B$/, '');
    const b = Object.hasOwn(BLOCKS, ruleName) ? BLOCKS[ruleName] : undefined;
    // the file's elements end at the end of input, a block's at its `}` (a mistyped first word of the file comes here:
    // the entry rule consumes EOF itself; a mistyped later top-level word comes to buildNotAllInputParsedMessage)
    if (ruleName === 'Document' && expected.name === 'EOF' && isWord(actual)) return this.notAnElement(actual.image, ruleName, false);
    if (b && expected.name === '}') {
      if (isEof(actual)) return `missing '}' at the end of the file: the ${b.block} block is not closed`;
      if (isWord(actual)) return this.notAnElement(actual.image, ruleName, true);
    }
    if (expected.name === 'ID' && SLOT_VALUE.has(ruleName)) return `expected ${SLOT_VALUE.get(ruleName)}, found ${found(actual)}`;
    if (Object.hasOwn(TERMINALS, expected.name)) return `expected ${TERMINALS[expected.name]}, found ${found(actual)}`;
    if (expected.name === 'EOF' && actual.image === '}') return UNMATCHED_BRACE;
    if (expected.name === 'EOF') return super.buildMismatchTokenMessage(options);
    // any other token type is a keyword, named by its text
    return `expected '${expected.name}', found ${found(actual)}`;
  }

  override buildNoViableAltMessage(options: NoViableAltOptions): string {
    const actual = options.actual[0];
    // each of these rules is one kind of value, whatever its alternatives: a kernel version (VERSION | INT), a devfn
    // after `dma-alias` and its commas, a bus number after `secondary-bus` (HEX_WORD, the lexer's, or a number)
    const rule = options.ruleName.replace(/\u200B$/, '');
    if (actual && Object.hasOwn(VALUE_RULES, rule)) return `expected ${VALUE_RULES[rule]}, found ${found(actual)}`;
    return this.oneOf(options.expectedPathsPerAlt, actual) ?? super.buildNoViableAltMessage(options);
  }

  override buildEarlyExitMessage(options: EarlyExitOptions): string {
    return this.oneOf([options.expectedIterationPaths], options.actual[0]) ?? super.buildEarlyExitMessage(options);
  }

  /**
   * "expected A, B or C, found 'x'" when every path of every alternative is one token (a terminal, named as in
   * {@link TERMINALS}, or a keyword, quoted) and there are at most eight; undefined otherwise.
   */
  private oneOf(pathsPerAlt: { name: string }[][][], actual: Token | undefined): string | undefined {
    const names: string[] = [];
    for (const paths of pathsPerAlt) {
      for (const path of paths) {
        if (path.length !== 1) return undefined;
        const t = path[0].name;
        if (t === 'EOF') return undefined;
        const name = Object.hasOwn(TERMINALS, t) ? TERMINALS[t] : `'${t}'`;
        if (!names.includes(name)) names.push(name);
      }
    }
    if (names.length === 0 || names.length > 8 || !actual) return undefined;
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
    return `expected ${list}, found ${found(actual)}`;
  }

  override buildNotAllInputParsedMessage(options: NotAllInputOptions): string {
    const t = options.firstRedundant;
    if (t.image === '}') return UNMATCHED_BRACE;
    if (isWord(t)) return this.notAnElement(t.image, 'Document', false);
    return super.buildNotAllInputParsedMessage(options);
  }

  /**
   * The message for a word that does not start an element of block `ruleName` (a key of {@link BLOCKS}; a block
   * that ends at a `}` if `closes`). Also used by the document validator for a word the parser took as the kind of a
   * device that then has no `at` (`drivr vfio-pci` in a device block, iommu-document-validator.ts).
   */
  notAnElement(image: string, ruleName: string, closes: boolean): string {
    const b = BLOCKS[ruleName];
    const starts = this.starts.get(ruleName) ?? [];
    // a top-level keyword (`vm`, `host`, `import`) inside a block that is still open: its `}` is missing above
    if (closes && ruleName !== 'Document' && !starts.includes(image) && (this.starts.get('Document') ?? []).includes(image))
      return `'${image}' is not ${b.what}: a '}' is missing before it, so the ${b.block} block above is still open`;
    const suggestion = starts.includes(image) ? undefined : closestTerm(image, starts);
    const list = starts.join(', ') + (closes ? `, or '}'` : '');
    return `'${image}' is not ${b.what}${suggestion ? `; did you mean '${suggestion}'?` : ''} (expected one of: ${list})`;
  }
}
