import { describe, expect, it } from 'vitest';
import { applyBootParams, cmdlineTokens } from '../src/boot-params.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo, vm } from './builders.js';

const intel = () =>
  host('h', '6.12', [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: true, msi: 'x86-ir' })], [
    dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d } }),
    dev('nic', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci' }),
  ]);

describe('boot parameters', () => {
  it('tokens stop at -- (the rest belongs to init)', () => {
    expect(cmdlineTokens('a=1  b  -- intel_iommu=off')).toEqual(['a=1', 'b']);
  });

  it('intel_iommu=off: no groups, BOOT001, and the VM cannot get the device', () => {
    const h = { ...intel(), cmdline: 'quiet intel_iommu=off' };
    const r = simulate(topo([h], [vm('v', 'h', ['nic'])]));
    expect(r.hosts.get('h')!.grouping.groups).toEqual([]);
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain('BOOT001');
    expect(r.vms.get('v')!.attach[0].ok).toBe(false);
  });

  it('intel_iommu=off keeps interrupt remapping (it does not depend on DMA remapping); amd_iommu=off drops both', () => {
    expect(applyBootParams({ ...intel(), cmdline: 'intel_iommu=off' }).host.iommus[0]).toMatchObject({ driver: 'none', interruptRemapping: true, msi: 'x86-ir' });
    const amd = { ...intel(), iommus: [iommu('ivhd0', 'amd-vi', { interruptRemapping: true, msi: 'x86-ir' })], cmdline: 'amd_iommu=off' };
    expect(applyBootParams(amd).host.iommus[0]).toMatchObject({ driver: 'none', interruptRemapping: false, msi: 'x86-vector' });
  });

  it('intremap=off: MSIs no longer isolated → IR001 on type1, with BOOT002 at the host', () => {
    const h = { ...intel(), cmdline: 'intremap=off' };
    const r = simulate(topo([h], [vm('v', 'h', ['nic'])]));
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain('BOOT002');
    expect(codes).toContain('IR001');
    expect(simulate(topo([intel()], [vm('v', 'h', ['nic'])])).findings.map((f) => f.code)).not.toContain('IR001');
  });

  it('options of other architectures are ignored on arm64', () => {
    const h = { ...intel(), arch: 'arm64' as const, cmdline: 'intel_iommu=off' };
    expect(applyBootParams(h).effects).toEqual([]);
  });
});
