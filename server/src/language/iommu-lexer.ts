/**
 * Langium's lexer, plus one context rule for ACS lines: the words after `acs cap`, `ctl` and `firmware-ctl` are
 * ACS_FLAG tokens, not ID.
 *
 * A flag list has no separators (`acs cap SV RR CR UF ctl SV RR CR UF`), and both flags and the first word of the next
 * line can be plain words (a device's kind may be any word, and a mistyped property is one). With flags lexed as
 * ID the list took every word that followed, across lines: `drivr pcieport` on the next line became two unknown ACS
 * flags, and `endpont gpu at …` two flags followed by a parse error at `at` that lost the rest of the host. Here a list
 * takes the words on the line of its keyword (any word: a typo there is SYN002 "unknown ACS flag"), and on later lines
 * only known flag names (`SV`, `rr`, …), so a list may still go on over several lines. Any other token ends it.
 */
import { DefaultLexer, type LexerResult, type TokenizeOptions } from 'langium';
import { ACS_FLAGS } from '../../../src-core/src/vocabulary.js';

/** The parts of chevrotain's token and token type read and written here (chevrotain is not a direct dependency). */
interface TokenType {
  name: string;
  tokenTypeIdx?: number;
}
interface IToken {
  image: string;
  startLine?: number;
  endLine?: number;
  tokenType: TokenType;
  tokenTypeIdx: number;
}

/** Keywords that start an ACS flag list inside an `acs` property. */
const LIST_KEYWORDS = new Set(['cap', 'ctl', 'firmware-ctl']);
/** Flag names, upper case (flags match case-insensitively, as the validator reads them). */
const FLAG_NAMES = new Set(ACS_FLAGS.map((t) => t.name.toUpperCase()));

export class IommuLexer extends DefaultLexer {
  override tokenize(text: string, options?: TokenizeOptions): LexerResult {
    const result = super.tokenize(text, options);
    const flag = this.definition.ACS_FLAG;
    const id = this.definition.ID;
    if (flag && id) retypeAcsFlags(result.tokens as IToken[], id, flag);
    return result;
  }
}

/**
 * Give the flag words of each `acs` property token type `flag` (in place). Tokens are in text order; lines are
 * chevrotain's (1-based). Exported for tests.
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
