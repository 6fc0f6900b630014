/**
 * Each shipped example must produce exactly the findings it was written to show (code and line), through
 * the same path as the CLI (files on disk, imports, Langium validation, simulator).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import '../server/src/polyfill.js';
import { collectFiles, exitCode, runCheck } from '../server/src/cli/check.js';
import { formatFiles } from '../server/src/cli/fmt.js';

const examples = path.resolve(__dirname, '../examples');

const EXPECTED: Record<string, string[]> = {
  'desktop-gpu-passthrough.iommu': ['23 info GRP002'],
  'epyc-server-nvme-nics.iommu': ['45 info GRP002', '65 error VIA001'],
  'intel-nosnoop-gpu.iommu': ['52 error KVM001'],
  'switch-without-acs.iommu': ['18 warning GRP001', '25 info GRP002', '36 info GRP002'],
  'virtio-iommu-nested.iommu': ['31 error IR001', '60 info KVM003', '60 warning IR002'],
  'arm-smmuv3-noncoherent.iommu': ['4 info GRP005', '49 warning KVM005', '55 error CC001'],
  'legacy-kernel-unbound-audio.iommu': ['21 info GRP002', '29 warning VIA008'],
  'xeon-qat-denylist.iommu': ['46 error VIA010'],
  'grub-cmdline.iommu': ['12 warning BOOT002', '37 error IR001'],
};

const SEV = ['', 'error', 'warning', 'info', 'hint'];

describe('examples', async () => {
  const run = await runCheck(collectFiles([examples]));

  it('covers every example file', () => {
    expect(run.files.map((f) => path.basename(f.path)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file}: ${expected.map((e) => e.split(' ')[2]).join(', ')}`, () => {
      const report = run.files.find((f) => path.basename(f.path) === file)!;
      const got = report.diagnostics.map((d) => `${d.range.start.line + 1} ${SEV[d.severity ?? 1]} ${String(d.code)}`).sort();
      expect(got).toEqual([...expected].sort());
    });
  }

  it('the example set has errors, so `check examples` exits 1', () => {
    expect(exitCode(run)).toBe(1);
  });

  it('every example is formatted (`iommu-topo fmt --check examples` is clean)', async () => {
    const results = await formatFiles(collectFiles([examples]));
    expect(results.filter((r) => r.status !== 'unchanged').map((r) => r.path)).toEqual([]);
  });

  it('KVM001 names the VT-d unit without snoop control as related information', () => {
    const report = run.files.find((f) => f.path.endsWith('intel-nosnoop-gpu.iommu'))!;
    const d = report.diagnostics.find((x) => x.code === 'KVM001')!;
    expect(d.relatedInformation?.map((r) => r.message).join('\n')).toMatch(/dmar1/);
  });

  it('IR001 reports the exact kernel message and errno', () => {
    const report = run.files.find((f) => f.path.endsWith('virtio-iommu-nested.iommu'))!;
    const sim = run.services.simulation.SimulationCache.get(report.document);
    const f = sim.result.findings.find((x) => x.code === 'IR001')!;
    expect(f.outcome?.errno).toBe('EPERM');
    expect(f.outcome?.kernelMessage).toContain('No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform');
  });
});
