import { describe, expect, it } from 'vitest';
import { cmdlineEffects } from '../src/cmdline-effects.js';
import { CMDLINE_OPTIONS } from '../src/vocabulary.js';
import { host, iommu } from './builders.js';

const h = (cmdline: string, extra = {}) => ({ ...host('h', '6.12', [iommu('dmar0', 'intel-vtd')], []), cmdline, ...extra });
const brief = (cmdline: string, extra = {}) => cmdlineEffects(h(cmdline, extra)).map((e) => `${e.read ? '+' : '-'} ${e.token}: ${e.effect.split(/[:(]/)[0].trim()}`);

describe('cmdlineEffects: what the simulator reads from each token', () => {
  it('names the effect of each token it reads, in order, and says why the others are not read', () => {
    expect(brief('BOOT_IMAGE=/vmlinuz quiet intel_iommu=on,strict iommu=pt intremap=off pci=noats,config_acs=0000:00:1c.0@SV iommu.strict=0 vfio-pci.disable_denylist=1 -- init=/bin/sh')).toEqual([
      '- BOOT_IMAGE=/vmlinuz: not read by the simulator',
      '- quiet: not read by the simulator',
      '+ intel_iommu=on,strict: VT-d on, as the model takes every declared intel-vtd unit',
      '+ iommu=pt: identity',
      '+ intremap=off: interrupt remapping off',
      '+ pci=noats,config_acs=0000:00:1c.0@SV: sets ACS Control bits of the devices it names before grouping',
      '+ iommu.strict=0: lazy',
      '+ vfio-pci.disable_denylist=1: module parameter vfio_pci.disable_denylist on',
    ]);
    // each option of a comma list has its effect
    expect(cmdlineEffects(h('intel_iommu=on,strict'))[0].effect).toMatch(/; strict IOTLB invalidation, deprecated spelling of iommu\.strict=1 \(DOM-DEF-01\)$/);
  });

  it('x86 options on another architecture, the ACS override without the patch, and a param line that wins are not read', () => {
    expect(brief('iommu=pt', { arch: 'arm64' })).toEqual(['- iommu=pt: an x86 option; this host is arm64']);
    expect(brief('pcie_acs_override=downstream')).toEqual(['- pcie_acs_override=downstream: mainline kernels have no pcie_acs_override; declare `acs-override-patch` if this kernel carries the patch']);
    expect(brief('pcie_acs_override=downstream', { acsOverridePatch: true })[0]).toMatch(/^\+ pcie_acs_override=downstream: the out-of-tree ACS override patch/);
    expect(brief('vfio_iommu_type1.allow_unsafe_interrupts=1', { params: { 'vfio_iommu_type1.allow_unsafe_interrupts': 'N' } })).toEqual([
      "- vfio_iommu_type1.allow_unsafe_interrupts=1: module parameter vfio_iommu_type1.allow_unsafe_interrupts; the host's `param` line",
    ]);
    expect(brief('intremap=on nointremap')).toEqual(['- intremap=on: interrupt remapping off is decided by the later `nointremap`', '+ nointremap: interrupt remapping off']);
    // a param line that agrees (Y and 1 are both on) does not hide the token; module parameters the simulator does not use
    expect(brief('vfio_iommu_type1.allow_unsafe_interrupts=1', { params: { 'vfio_iommu_type1.allow_unsafe_interrupts': 'Y' } })).toEqual(['+ vfio_iommu_type1.allow_unsafe_interrupts=1: module parameter vfio_iommu_type1.allow_unsafe_interrupts on']);
    expect(brief('rd.lvm.lv=vg/root nvidia-drm.modeset=1')).toEqual([
      '- rd.lvm.lv=vg/root: module parameter rd.lvm.lv, which the simulator does not use',
      '- nvidia-drm.modeset=1: module parameter nvidia_drm.modeset, which the simulator does not use',
    ]);
    // a value kstrtobool rejects
    expect(brief('iommu.passthrough=maybe')).toEqual(["- iommu.passthrough=maybe: 'maybe' is not a boolean for the kernel"]);
  });
});

describe('CMDLINE_OPTIONS (completion inside cmdline)', () => {
  it('proposes only options the simulator reads (on a recent kernel: amd_iommu=pgtbl_* counts from 6.14)', () => {
    for (const o of CMDLINE_OPTIONS) {
      const [e] = cmdlineEffects(h(o.name, { acsOverridePatch: true, kernel: { major: 6, minor: 14 } }));
      expect(e, o.name).toMatchObject({ token: o.name, read: true });
    }
  });
});
