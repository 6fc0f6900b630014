import { describe, expect, it } from 'vitest';
import { applyBootParams, moduleParamsFromCmdline, switchesOff } from '../src/boot-params.js';
import { cmdlineTokens } from '../src/kernel-cmdline.js';
import { simulate } from '../src/simulate.js';
import { dev, host, iommu, topo, vm } from './builders.js';

const intel = () =>
  host('h', '6.12', [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: true, msi: 'x86-ir' })], [
    dev('rp', 'root-port', '0000:00:01.0', { acs: { cap: 0x1d, ctl: 0x1d } }),
    dev('nic', 'endpoint', '0000:01:00.0', { parentId: 'rp', acs: null, driver: 'vfio-pci' }),
  ]);

describe('boot parameters', () => {
  it('an on/off option is read by prefix, as the kernel compares it; sm_on and others switch nothing', () => {
    expect(['on', 'onx', 'off', 'offline', 'sm_on', 'sm_off', 'strict', ''].map(switchesOff)).toEqual([false, false, true, true, undefined, undefined, undefined, undefined]);
    // the last one wins, also inside one token
    expect(applyBootParams({ ...intel(), cmdline: 'intel_iommu=on,off' }).effects.map((e) => e.what)).toContain('translation-off');
    expect(applyBootParams({ ...intel(), cmdline: 'intel_iommu=off,onx' }).effects.map((e) => e.what)).not.toContain('translation-off');
  });

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

  it('module parameters on the command line count as parameters; param lines (the sysfs values) win', () => {
    expect(moduleParamsFromCmdline('quiet vfio-pci.disable_denylist=1 vfio_iommu_type1.allow_unsafe_interrupts iommu=pt iommu.strict=1 -- a.b=c')).toEqual({
      'vfio_pci.disable_denylist': '1',
      'vfio_iommu_type1.allow_unsafe_interrupts': 'Y',
    });
    // no interrupt remapping: type1 refuses (IR001) unless allow_unsafe_interrupts is on, here from the command line
    const noIr = { ...intel(), iommus: [iommu('dmar0', 'intel-vtd', { snoopControl: true, interruptRemapping: false, msi: 'x86-vector' })] };
    const codesOf = (h: typeof noIr) => simulate(topo([h], [vm('v', 'h', ['nic'])])).findings.map((f) => f.code);
    expect(codesOf(noIr)).toContain('IR001');
    const onCmdline = codesOf({ ...noIr, cmdline: 'intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1' });
    expect(onCmdline).toContain('IR002');
    expect(onCmdline).not.toContain('IR001');
    // a param line read from sysfs says what the module ended up with
    expect(codesOf({ ...noIr, cmdline: 'vfio_iommu_type1.allow_unsafe_interrupts=1', params: { 'vfio_iommu_type1.allow_unsafe_interrupts': 'N' } })).toContain('IR001');
    // bool values as param_set_bool reads them (kstrtobool: first character, on/off)
    const withParam = (v: string) => codesOf({ ...noIr, params: { 'vfio_iommu_type1.allow_unsafe_interrupts': v } });
    for (const v of ['Y', 'y', '1', 'yes', 'on', 'true']) expect(withParam(v), v).not.toContain('IR001');
    for (const v of ['N', '0', 'no', 'off', 'false', 'x']) expect(withParam(v), v).toContain('IR001');
    // a param line written with '-' is the same parameter
    expect(applyBootParams({ ...noIr, params: { 'vfio-iommu-type1.allow_unsafe_interrupts': 'Y' } }).host.params).toEqual({ 'vfio_iommu_type1.allow_unsafe_interrupts': 'Y' });
    expect(applyBootParams(noIr).host).toBe(noIr);
  });
});

describe('intel_iommu=igfx_off (DOM-DEF-03)', () => {
  const h = (cmdline: string) =>
    host('h', '6.12', [iommu('gfx', 'intel-vtd', { graphicsOnly: true, interruptRemapping: true, snoopControl: true, msi: 'x86-ir' }), iommu('dmar1', 'intel-vtd', { interruptRemapping: true, snoopControl: true, msi: 'x86-ir' })], [
      dev('igpu', 'rciep', '00:02.0', { iommuId: 'gfx', driver: 'vfio-pci' }),
      dev('nic', 'rciep', '00:19.0', { iommuId: 'dmar1', driver: 'vfio-pci' }),
    ], { cmdline });
  it('ignores the graphics-only unit: the iGPU gets no iommu_group (BOOT001, VIA005 when assigned); the other unit is untouched', () => {
    const r = simulate(topo([h('intel_iommu=on,igfx_off')], [vm('v', 'h', ['igpu', 'nic'])]));
    expect(r.hosts.get('h')!.grouping.groupOf.get('igpu')).toBeUndefined();
    expect(r.hosts.get('h')!.grouping.groupOf.get('nic')).toBeDefined();
    expect(r.findings.filter((f) => f.code === 'BOOT001').map((f) => f.message)).toEqual(['host h: intel_iommu=igfx_off on the command line disables DMA remapping on gfx: no iommu_groups for their devices']);
    expect(r.findings.filter((f) => f.code === 'VIA005').map((f) => f.elementId)).toEqual(['igpu']);
    expect(r.findings.find((f) => f.code === 'BOOT001')!.fixes).toEqual([{ kind: 'set-cmdline', hostId: 'h', cmdline: 'intel_iommu=on', removed: 'intel_iommu=igfx_off' }]);
  });
  it('the ignored unit still counts for interrupt remapping (CAP-IR-01): without ECAP.IR it leaves the host without IR, and IR001 names it', () => {
    const noIr = (cmdline: string) =>
      host('h', '6.12', [iommu('gfx', 'intel-vtd', { graphicsOnly: true, interruptRemapping: false }), iommu('dmar1', 'intel-vtd', { interruptRemapping: true, snoopControl: true, msi: 'x86-ir' })], [
        dev('igpu', 'rciep', '00:02.0', { iommuId: 'gfx', driver: 'i915' }),
        dev('nic', 'rciep', '00:19.0', { iommuId: 'dmar1', driver: 'vfio-pci' }),
      ], { cmdline });
    for (const cmdline of ['intel_iommu=on', 'intel_iommu=on,igfx_off']) {
      const r = simulate(topo([noIr(cmdline)], [vm('v', 'h', ['nic'])]));
      const ir = r.findings.filter((f) => f.code === 'IR001');
      expect(ir.map((f) => f.elementId), cmdline).toEqual(['nic']);
      expect(ir[0].related.map((x) => x.id), cmdline).toEqual(['dmar1', 'gfx']);
    }
    // with ECAP.IR on the graphics unit, ignoring it changes nothing for IR
    expect(simulate(topo([h('intel_iommu=on,igfx_off')], [vm('v', 'h', ['nic'])])).findings.map((f) => f.code)).not.toContain('IR001');
  });
  it('without a graphics-only unit, or with the option absent, nothing changes', () => {
    const plain = host('h', '6.12', [iommu('dmar1', 'intel-vtd', { interruptRemapping: true, snoopControl: true, msi: 'x86-ir' })], [dev('igpu', 'rciep', '00:02.0', { driver: 'vfio-pci' })], { cmdline: 'intel_iommu=igfx_off' });
    expect(simulate(topo([plain])).hosts.get('h')!.grouping.groupOf.get('igpu')).toBeDefined();
    expect(simulate(topo([h('intel_iommu=on')])).hosts.get('h')!.grouping.groupOf.get('igpu')).toBeDefined();
  });
});
