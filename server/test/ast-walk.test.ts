import * as fs from 'node:fs';
import * as path from 'node:path';
import { AstUtils, GrammarUtils, type AstNode } from 'langium';
import { describe, expect, it } from 'vitest';
import { ReferenceProperties, walkAst } from '../src/language/ast-walk.js';
import { findPropertyCst } from '../src/language/cst-lookup.js';
import { leafTypes } from '../src/language/grammar-leaves.js';
import { createTestServices } from './helpers.js';
import { generateTopology } from '../../scripts/bench/generate.mjs';

const root = path.resolve(__dirname, '../..');
const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.iommu'));
const texts: [string, string][] = [
  ...examples.map((f) => [f, fs.readFileSync(path.join(root, 'examples', f), 'utf8')] as [string, string]),
  ['generated 300 devices', generateTopology(300).text as string],
  // mid-typing: error recovery leaves partial nodes and unresolved references
  ['partial', 'host h {\n  iommu u { driver intel-vtd }\n  root-port rp at 00:01.0 {\n    iommu u\n    endpoint e at 01:00.0 { iommu nope\n'],
  ['vm refs', 'host h { endpoint a at 00:02.0 {} endpoint b at 00:03.0 {} }\nvm v on h { assign a, 0000:00:03.0, missing\n hwpt w { attach a, b } }\n'],
];

describe('plain AST walks match Langium streams', () => {
  it.each(texts)('walkAst visits the nodes of streamAst in the same order: %s', async (_name, text) => {
    const { parse } = createTestServices();
    const doc = await parse(text);
    const ours: AstNode[] = [];
    walkAst(doc.parseResult.value, (n) => void ours.push(n));
    expect(ours.length).toBeGreaterThan(1);
    expect(ours).toEqual([...AstUtils.streamAst(doc.parseResult.value)]);
  });

  it.each(texts)('ReferenceProperties.collect yields streamReferences of every node: %s', async (_name, text) => {
    const services = createTestServices();
    const doc = await services.parse(text);
    const expected = AstUtils.streamAst(doc.parseResult.value)
      .flatMap((n) => AstUtils.streamReferences(n))
      .map((r) => [r.container, r.property, r.index, r.reference])
      .toArray();
    const got = new ReferenceProperties(services.shared.AstReflection).collect(doc.parseResult.value).map((r) => [r.container, r.property, r.index, r.reference]);
    expect(got).toEqual(expected);
  });

  it('pruning skips the children of the node that returned false', async () => {
    const { parse } = createTestServices();
    const doc = await parse('host h { endpoint a at 00:02.0 { driver x endpoint b at 00:03.0 {} } }\nvm v { vmm qemu }\n');
    const types: string[] = [];
    walkAst(doc.parseResult.value, (n) => {
      types.push(n.$type);
      return n.$type !== 'PciDevice';
    });
    expect(types).toEqual(['Document', 'Host', 'PciDevice', 'Vm', 'VmmProp']);
  });

  it('every reference is linked as before: resolved targets and linking errors', async () => {
    const services = createTestServices();
    const doc = await services.validate(texts.find(([n]) => n === 'vm refs')![1]);
    const refs = doc.references.map((r) => [r.$refText, 'ref' in r ? (r.ref as { name?: string } | undefined)?.name : undefined]);
    expect(refs).toEqual([
      ['h', 'h'],
      ['a', 'a'],
      ['0000:00:03.0', 'b'],
      ['missing', undefined],
      ['a', 'a'],
      ['b', 'b'],
    ]);
    expect((doc.diagnostics ?? []).filter((d) => d.code === 'REF001').map((d) => [d.message, d.range.start])).toEqual([["unknown device 'missing'", { line: 1, character: 36 }]]);
  });
});

describe('findPropertyCst matches GrammarUtils.findNodeForProperty', () => {
  it.each(texts)('for every property and index of every node: %s', async (_name, text) => {
    const { parse } = createTestServices();
    const doc = await parse(text);
    let compared = 0;
    for (const node of AstUtils.streamAst(doc.parseResult.value)) {
      for (const property of [...Object.keys(node).filter((k) => !k.startsWith('$')), 'name', 'nope']) {
        const value = (node as unknown as Record<string, unknown>)[property];
        const n = Array.isArray(value) ? value.length : 1;
        for (const index of [undefined, 0, ...Array.from({ length: n + 1 }, (_, i) => i)]) {
          expect(findPropertyCst(node.$cstNode, property, index)).toBe(GrammarUtils.findNodeForProperty(node.$cstNode, property, index));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});

describe('leafTypes: node types that never contain AST nodes', () => {
  const services = createTestServices();
  const leaves = leafTypes(services.Iommu.Grammar);

  it('names the device properties and value nodes, not the containers', () => {
    for (const t of ['IdProp', 'ClassProp', 'AcsProp', 'DriverProp', 'NoSnoopProp', 'KernelSetting', 'VmmProp', 'AssignProp', 'HwptDecl']) expect(leaves, t).toContain(t);
    for (const t of ['Document', 'Host', 'PciDevice', 'Iommu', 'Vm']) expect(leaves, t).not.toContain(t);
  });

  it.each(texts)('no node of a leaf type has an AST node below it: %s', async (_name, text) => {
    const doc = await services.parse(text);
    let leafNodes = 0;
    for (const node of AstUtils.streamAst(doc.parseResult.value)) {
      if (!leaves.has(node.$type)) continue;
      leafNodes++;
      expect(AstUtils.streamContents(node).toArray(), node.$type).toEqual([]);
    }
    expect(leafNodes).toBeGreaterThan(0);
  });

  it.each(texts)('validation reports what the walk without pruning reports: %s', async (_name, text) => {
    const doc = await services.validate(text);
    const validator = services.Iommu.validation.DocumentValidator as unknown as { leaves: ReadonlySet<string> };
    const pruned = doc.diagnostics;
    const saved = validator.leaves;
    try {
      validator.leaves = new Set();
      const unpruned = await services.Iommu.validation.DocumentValidator.validateDocument(doc);
      expect(unpruned).toEqual(pruned);
    } finally {
      validator.leaves = saved;
    }
  });
});
