import { afterEach, describe, expect, it } from 'vitest';
import { simulate } from '../../src-core/src/simulate.js';
import { dev, host, iommu, topo } from '../../src-core/test/builders.js';
import { describeIommu } from '../src/lsp/describe.js';
import { createTestServices } from './helpers.js';

const t = createTestServices();
afterEach(() => t.clear());

/** The `- interrupt remapping: …` line of a unit's hover text. */
const irLine = (text: string) => text.split('\n').find((l) => l.startsWith('- interrupt remapping'));

describe('IOMMU hover: interrupt remapping on a host where another Intel unit has none (CAP-IR-01)', () => {
  const TWO_UNITS = (ir0: string, ir1: string) =>
    `host h {\n    kernel 6.12\n    arch x86_64\n    iommu dmar0 {\n        driver intel-vtd\n        caps ${ir0}\n    }\n    iommu dmar1 {\n        driver intel-vtd\n        caps ${ir1}\n    }\n    endpoint n at 0000:01:00.0 {\n        iommu dmar0\n    }\n}\n`;

  it('a unit that declares it: no, naming the unit without it', async () => {
    const text = TWO_UNITS('snoop-control, interrupt-remapping', 'snoop-control');
    const doc = await t.validate(text);
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf('dmar0') + 1) });
    expect(irLine((h?.contents as { value: string }).value)).toBe('- interrupt remapping: no (declared yes; dmar1 has none, and Intel enables interrupt remapping for every DRHD or none)');
  });

  it('every unit with it: yes', async () => {
    const text = TWO_UNITS('interrupt-remapping', 'interrupt-remapping');
    const doc = await t.validate(text);
    const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf('dmar0') + 1) });
    expect(irLine((h?.contents as { value: string }).value)).toBe('- interrupt remapping: yes');
  });

  it('a model unit that states it only through `msi x86-ir` (no interruptRemapping field): the same note', () => {
    const model = topo([host('h', '6.12', [iommu('dmar0', 'intel-vtd', { msi: 'x86-ir' }), iommu('dmar1', 'intel-vtd', { interruptRemapping: false })], [dev('n', 'endpoint', '0000:01:00.0', { iommuId: 'dmar0' })])]);
    const result = simulate(model);
    const text = describeIommu({ topology: model, result, deviceById: new Map(), heldBack: new Map() }, model.hosts[0].iommus[0]);
    expect(irLine(text)).toBe('- interrupt remapping: no (declared through its MSI controller; dmar1 has none, and Intel enables interrupt remapping for every DRHD or none)');
    // alone on its host, the msi line's answer is shown as such
    const alone = topo([host('h', '6.12', [iommu('dmar0', 'intel-vtd', { msi: 'x86-ir' })], [])]);
    expect(irLine(describeIommu({ topology: alone, result: simulate(alone), deviceById: new Map(), heldBack: new Map() }, alone.hosts[0].iommus[0]))).toBe('- interrupt remapping: yes');
  });
});
