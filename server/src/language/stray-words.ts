/**
 * Words the parser took as the kind of a device. A device's kind may be any word, so that a mistyped kind
 * (`root-prot rp at 0000:00:1c.0 { … }`) keeps its block in the tree and is reported by validation (SYN002). A
 * mistyped property or member followed by a value (`drivr vfio-pci`) then parses as a device too, one without `at`:
 * a stray word, which the document validator reports as the parser does a word alone, and which is not lowered (it
 * has no BDF) and not checked as a kind.
 */
import { GrammarUtils, type AstNode } from 'langium';
import type { Range } from 'vscode-languageserver-types';
import { PCI_KINDS, termNames } from '../../../src-core/src/vocabulary.js';
import { walkAst } from './ast-walk.js';
import { findPropertyCst } from './cst-lookup.js';
import { isPciDevice, type PciDevice } from './generated/ast.js';
import type { ValueSlot } from './value-slots.js';

/** Device kinds that are keywords of the grammar; any other word in a device's kind position is a typo. */
const KIND_KEYWORDS = termNames(PCI_KINDS);

/** The kind vocabulary as a closed value slot (SYN002 "unknown device kind"). */
export const DEVICE_KIND_SLOT: ValueSlot = { terms: PCI_KINDS, what: 'device kind' };

/** True for the device kinds the grammar has as keywords. */
export function isKindKeyword(kind: string): boolean {
  return KIND_KEYWORDS.has(kind);
}

/** A stray word: its text, its range, the offset just after the device node it made (its last token), and its block. */
export interface StrayWord {
  kind: string;
  range: Range;
  /** Document offset of the end of the device node's text (the word and the name after it). */
  end: number;
  block: string;
}

/**
 * Devices whose kind is not a kind keyword and that have no `at`: a word the parser took as a device kind
 * (`IommuDocumentValidator.rewriteStrayWords`), with the range of that word and the block it stands in, in
 * document order. A device with `at` and an unknown kind is a real device with a mistyped kind (SYN002).
 */
export function strayWords(root: AstNode): StrayWord[] {
  const out: StrayWord[] = [];
  walkAst(root, (node) => {
    if (isPciDevice(node) && isStrayWord(node)) {
      const cst = node.$cstNode && findPropertyCst(node.$cstNode, 'kind');
      if (cst) out.push({ kind: node.kind, range: cst.range, end: node.$cstNode!.end, block: node.$container?.$type === 'PciDevice' ? 'PciDevice' : 'Host' });
    }
    return true;
  });
  return out;
}

/** A device node that is only a stray word followed by a name: its kind is not a kind keyword and it has no `at`. */
export function isStrayWord(node: PciDevice): boolean {
  return node.kind !== undefined && !KIND_KEYWORDS.has(node.kind) && !(node.$cstNode && GrammarUtils.findNodeForKeyword(node.$cstNode, 'at'));
}
