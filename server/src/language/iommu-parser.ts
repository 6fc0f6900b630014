/**
 * The Langium parser with names taken out of chevrotain's error recovery.
 *
 * A device may have any word as its kind (`root-prot rp at 0000:00:1c.0 { … }` parses, and validation reports the kind,
 * SYN002), so a name can start a host member or a child of a device. A name is then in the FOLLOW set of every block
 * in a host, and chevrotain's recovery, at a mistyped word inside a block (`ca` in an `iommu` block, `drivr` in a
 * device), would close the block right there (by inserting the missing `}`, or by re-synchronising at the name) and
 * parse the word and what follows it as a device: one typo became a cascade of errors and a block cut in two.
 * Here a `}` is never inserted in front of a name and a name is never a re-synchronisation point, which is how the
 * recovery behaved before kinds could be names: the word is reported once (parser-messages.ts) and the block stays
 * whole. Normal parsing is unchanged (lookahead still takes `word name at BDF` as a device).
 */
import { createLangiumParser, type LangiumCoreServices, type LangiumParser } from 'langium';
import { blockStarts } from './parser-messages.js';

/** The parts of chevrotain's recoverable parser (the `ChevrotainWrapper` inside Langium's parser) changed here. */
interface Recovering {
  canRecoverWithSingleTokenInsertion(expected: TokenType, follows: unknown): boolean;
  canRecoverWithSingleTokenDeletion(expected: TokenType): boolean;
  LA(howMuch: number): { tokenType?: TokenType };
  /** Follow sets used to re-synchronise after an error, by rule occurrence; computed by `performSelfAnalysis`. */
  resyncFollows: Record<string, TokenType[]>;
}

interface TokenType {
  name: string;
}

/**
 * {@link createLangiumParser}, then: no single-token insertion of `}` before a name, no single-token deletion of a
 * keyword that starts a top-level element (`import`, `host`, `vm`, read from the grammar), and ID removed from every
 * re-synchronisation set. If a Langium version lacks these chevrotain internals, its recovery is kept as it is (more
 * follow-on errors after a typo; parsing itself is unaffected).
 */
export function createIommuParser(services: LangiumCoreServices): LangiumParser {
  const parser = createLangiumParser(services);
  const wrapper = (parser as unknown as { wrapper?: Partial<Recovering> }).wrapper;
  const insertion = wrapper?.canRecoverWithSingleTokenInsertion;
  const deletion = wrapper?.canRecoverWithSingleTokenDeletion;
  if (!wrapper || typeof insertion !== 'function' || typeof deletion !== 'function' || !wrapper.resyncFollows) return parser;
  // `vm v on` with the host still to be typed, and `host h {` on the next line: deleting `host` would read `h` as the
  // VM's host and the host block as the VM's body. A keyword that starts a top-level block is never deleted; the VM
  // ends there (the name it lacks is reported) and the block after it is read as written.
  const topLevel: ReadonlySet<string> = new Set(blockStarts(services.Grammar, 'Document'));
  wrapper.canRecoverWithSingleTokenDeletion = function (this: Recovering, expected) {
    const next = this.LA(1).tokenType?.name;
    if (next !== undefined && topLevel.has(next)) return false;
    return deletion.call(this, expected);
  };
  wrapper.canRecoverWithSingleTokenInsertion = function (this: Recovering, expected, follows) {
    if (expected.name === '}' && this.LA(1).tokenType?.name === 'ID') return false;
    return insertion.call(this, expected, follows);
  };
  for (const [key, follows] of Object.entries(wrapper.resyncFollows)) wrapper.resyncFollows[key] = follows.filter((t) => t.name !== 'ID');
  return parser;
}
