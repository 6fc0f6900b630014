/**
 * The TextMate grammar's value patterns (syntaxes/iommu.tmLanguage.json, from scripts/patch-textmate.mjs), run the
 * way a TextMate engine scans one line: at each position the pattern whose match starts first wins, ties going to
 * the pattern listed first. Only the top-level `match` patterns are exercised (comments and strings are
 * begin/end rules and not scanned here); the regular expressions are plain JavaScript ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const grammar = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../syntaxes/iommu.tmLanguage.json'), 'utf8')) as { patterns: { name?: string; match?: string }[] };
const patterns = grammar.patterns.filter((p) => p.match && p.name).map((p) => ({ name: p.name!, re: new RegExp(p.match!, 'g') }));

/** The (text, scope) pairs of one line, as the grammar's match patterns tokenize it. */
function tokens(line: string): [string, string][] {
  const out: [string, string][] = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { index: number; text: string; name: string } | undefined;
    for (const p of patterns) {
      p.re.lastIndex = pos;
      const m = p.re.exec(line);
      if (m && m[0].length && (!best || m.index < best.index)) best = { index: m.index, text: m[0], name: p.name };
    }
    if (!best) break;
    out.push([best.text, best.name]);
    pos = best.index + best.text.length;
  }
  return out;
}

describe('TextMate grammar: values', () => {
  it('a whole BDF, with or without its domain, is one bdf token; a vendor:device ID is a pci-id', () => {
    expect(tokens('    endpoint gpu at 0000:65:00.0 {')).toEqual([['endpoint', 'keyword.control.iommu'], ['at', 'keyword.control.iommu'], ['0000:65:00.0', 'constant.numeric.bdf.iommu']]);
    expect(tokens('assign 01:00.1')).toEqual([['assign', 'keyword.control.iommu'], ['01:00.1', 'constant.numeric.bdf.iommu']]);
    expect(tokens('id 8086:1234')).toEqual([['id', 'keyword.control.iommu'], ['8086:1234', 'constant.numeric.pci-id.iommu']]);
  });

  it('a BDF being typed after its domain is one partial-bdf token, not integers and stray colons', () => {
    for (const partial of ['0000:01:00', '0000:01:00.', '0000:01:', '10000:3a:1']) {
      expect(tokens(`    assign gpu, ${partial}`).at(-1), partial).toEqual([partial, 'constant.numeric.bdf.partial.iommu']);
    }
    // a function number out of range is not shown as a BDF of any kind
    expect(tokens('assign 0000:01:00.8').map(([, n]) => n)).not.toContain('constant.numeric.bdf.partial.iommu');
    expect(tokens('assign 0000:01:00.8').map(([, n]) => n)).not.toContain('constant.numeric.bdf.iommu');
  });

  it('versions, hex and ACS flags keep their scopes', () => {
    expect(tokens('kernel 6.8.0-45-generic')).toEqual([['kernel', 'keyword.control.iommu'], ['6.8.0-45-generic', 'constant.numeric.version.iommu']]);
    expect(tokens('ecap 0x19e2230c5e')).toEqual([['ecap', 'keyword.control.iommu'], ['0x19e2230c5e', 'constant.numeric.hex.iommu']]);
    expect(tokens('acs cap SV RR')).toEqual([['acs', 'keyword.control.iommu'], ['cap', 'keyword.control.iommu'], ['SV', 'constant.language.acs-flag.iommu'], ['RR', 'constant.language.acs-flag.iommu']]);
  });
});
