import { afterEach, describe, expect, it } from 'vitest';
import { installSettings } from '../src/lsp/settings.js';
import { codes, createTestServices } from './helpers.js';

const t = createTestServices();
installSettings(t.shared, t.Iommu);
afterEach(async () => {
  await t.clear();
  t.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { iommu: {} } });
});

const NO_KERNEL = 'host h {\n    iommu u {\n        driver virtio-iommu\n        msi x86-ir\n    }\n    endpoint n at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\nvm v on h {\n    assign n\n}\n';

async function until(cond: () => boolean) {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('settings', () => {
  it('iommu.defaultKernel applies to hosts without `kernel` and re-validates open documents', async () => {
    const doc = await t.validate(NO_KERNEL);
    expect(codes(doc)).toContain('KVER000');
    t.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { iommu: { defaultKernel: '5.19' } } });
    await until(() => codes(doc).includes('CC001'));
    expect(codes(doc)).not.toContain('KVER000');
    expect(codes(doc)).toContain('CC001');
  });

  it('the cmdline hover reads the command line with the default kernel for a host without `kernel`', async () => {
    const text = 'host h {\n    arch x86_64\n    cmdline "amd_iommu=pgtbl_v2"\n    iommu u {\n        driver amd-vi\n        caps interrupt-remapping\n        msi x86-ir\n    }\n}\n';
    const hover = async () => {
      const doc = await t.validate(text);
      const h = await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: { uri: doc.uri.toString() }, position: doc.textDocument.positionAt(text.indexOf('pgtbl_v2')) });
      return (h?.contents as { value: string }).value;
    };
    // no kernel anywhere: the assumed 6.12 (KVER000), which does not read the option for VFIO domains
    expect(await hover()).toContain('Not read: `amd_iommu=pgtbl_v2` (VFIO domains use v1 page tables before 6.14, whatever amd_iommu=pgtbl_… says)');
    t.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { iommu: { defaultKernel: '6.14' } } });
    await until(() => t.Iommu.simulation.SimulationCache.getOptions().defaultKernel !== undefined);
    expect(await hover()).toContain('- `amd_iommu=pgtbl_v2`: v2 page tables (no Force-Coherent bit) for AMD units without a `pgtable` line (KVM002)');
  });

  it('iommu.severityOverrides changes a rule severity or turns it off', async () => {
    t.shared.workspace.ConfigurationProvider.updateConfiguration({ settings: { iommu: { severityOverrides: { KVER000: 'error', GRP002: 'off' } } } });
    await until(() => true);
    const doc = await t.validate(NO_KERNEL);
    const d = doc.diagnostics!.find((x) => x.code === 'KVER000')!;
    expect(d.severity).toBe(1);
  });
});

describe('one simulation per document version', () => {
  it('validation, hover and inlay hints share one simulator run', async () => {
    const before = t.Iommu.simulation.SimulationCache.runs;
    const doc = await t.validate(NO_KERNEL.replace('host h {', 'host h {\n    kernel 6.12'));
    const uri = { uri: doc.uri.toString() };
    await t.Iommu.lsp.HoverProvider!.getHoverContent(doc, { textDocument: uri, position: { line: 6, character: 14 } });
    await t.Iommu.lsp.InlayHintProvider!.getInlayHints(doc, { textDocument: uri, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } });
    await t.Iommu.lsp.CodeActionProvider!.getCodeActions(doc, { textDocument: uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, context: { diagnostics: doc.diagnostics ?? [] } });
    expect(t.Iommu.simulation.SimulationCache.runs - before).toBe(1);
  });
});
