import { describe, expect, it } from 'vitest';
import { applyBootParams } from '../src/boot-params.js';
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

  it('intel_iommu=sm_off is read where a VT-d unit declares scalable-mode; sm_on and an undone sm_off are notes', () => {
    const sm = { iommus: [iommu('dmar0', 'intel-vtd', { scalableMode: true })] };
    expect(brief('intel_iommu=sm_off', sm)).toEqual(['+ intel_iommu=sm_off: scalable mode off']);
    expect(brief('intel_iommu=sm_off')).toEqual(['- intel_iommu=sm_off: sm_off']);
    expect(cmdlineEffects(h('intel_iommu=sm_off'))[0].effect).toContain('no VT-d unit here declares `scalable-mode`');
    expect(brief('intel_iommu=sm_on', sm)).toEqual(['- intel_iommu=sm_on: sm_on allows scalable mode where ECAP.SMTS says the hardware can; the model takes that from a unit\'s `scalable-mode`']);
    expect(brief('intel_iommu=sm_off intel_iommu=sm_on', sm)).toEqual([
      '- intel_iommu=sm_off: scalable mode is decided by the later `intel_iommu=sm_on`',
      "- intel_iommu=sm_on: sm_on allows scalable mode where ECAP.SMTS says the hardware can; the model takes that from a unit's `scalable-mode`",
    ]);
    // with another option in the token, both are said
    expect(cmdlineEffects(h('intel_iommu=on,sm_off', sm))[0]).toMatchObject({ read: true });
    expect(cmdlineEffects(h('intel_iommu=on,sm_off', sm))[0].effect).toMatch(/^VT-d on, .*; scalable mode off: VT-d units run in legacy mode/);
    expect(cmdlineEffects(h('intel_iommu=on,sm_off intel_iommu=sm_on', sm))[0].effect).toMatch(/^VT-d on, .*; scalable mode is decided by the later `intel_iommu=sm_on`$/);
    // an on/off undone by a later token, with the deciding sm_off in it
    expect(cmdlineEffects(h('intel_iommu=off,sm_off intel_iommu=on', sm))[0]).toMatchObject({ read: true });
    expect(cmdlineEffects(h('intel_iommu=off,sm_off intel_iommu=on', sm))[0].effect).toMatch(/^scalable mode off: .*; VT-d on is decided by the later `intel_iommu=on`$/);
  });

  it('intel_iommu=sm_off: an unknown option before 5.15, nothing to change with VT-d translation off, the same answer as the simulation', () => {
    const sm = (extra: object = {}) => ({ iommus: [iommu('dmar0', 'intel-vtd', { scalableMode: true })], ...extra });
    expect(cmdlineEffects(h('intel_iommu=sm_off', sm({ kernel: { major: 5, minor: 14 } })))[0]).toEqual({
      token: 'intel_iommu=sm_off',
      read: false,
      effect: "sm_off is an unknown option before 5.15 (792fb43ce2c9): scalable mode stays as sm_on or the kernel's configuration left it",
    });
    expect(cmdlineEffects(h('intel_iommu=sm_off', sm({ kernel: { major: 5, minor: 15 } })))[0].read).toBe(true);
    // translation off: the simulation applies no scalable-off, and the hover does not claim one
    for (const line of ['intel_iommu=off,sm_off', 'intel_iommu=sm_off intel_iommu=off', 'iommu=off intel_iommu=sm_off']) {
      const host = h(line, sm());
      expect(applyBootParams(host).effects.map((e) => e.what), line).not.toContain('scalable-off');
      const e = cmdlineEffects(host).find((x) => x.token.includes('sm_off'))!;
      expect(e.effect, line).not.toContain('scalable mode off');
    }
    expect(cmdlineEffects(h('iommu=off intel_iommu=sm_off', sm()))[1]).toEqual({ token: 'intel_iommu=sm_off', read: false, effect: 'sm_off: VT-d translation is off, so scalable mode changes nothing' });
    // on another architecture every intel_iommu= token is an x86 option
    expect(brief('intel_iommu=sm_off', sm({ arch: 'arm64' }))).toEqual(['- intel_iommu=sm_off: an x86 option; this host is arm64']);
    expect(brief('intel_iommu=foo', { arch: 'arm64' })).toEqual(['- intel_iommu=foo: an x86 option; this host is arm64']);
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
    expect(brief('iommu.passthrough=maybe')).toEqual(["- iommu.passthrough=maybe: 'maybe' is not a boolean for this kernel"]);
    expect(cmdlineEffects(h('iommu.passthrough=maybe'))[0].effect).toBe("'maybe' is not a boolean for this kernel (6.12) (kstrtobool), so it changes nothing");
  });

  it('bool values as this kernel reads them: true/false from 5.19, enabled/disabled from 6.16', () => {
    const k = (major: number, minor: number) => ({ kernel: { major, minor } });
    expect(cmdlineEffects(h('iommu.strict=true', k(5, 15)))[0]).toEqual({ token: 'iommu.strict=true', read: false, effect: "'true' is not a boolean for this kernel (5.15) (kstrtobool; `t…` / `f…` from 5.19), so it changes nothing" });
    expect(cmdlineEffects(h('iommu.strict=true', k(5, 19)))[0]).toMatchObject({ read: true, effect: 'strict IOTLB invalidation of translated default domains (DOM-DEF-01)' });
    expect(cmdlineEffects(h('iommu.passthrough=enabled', k(6, 12)))[0].effect).toContain('`e…` / `d…` from 6.16');
    expect(cmdlineEffects(h('iommu.passthrough=enabled', k(6, 16)))[0]).toMatchObject({ read: true, effect: 'pass-through (identity) default domains (DOM-DEF-01)' });
    // a module parameter the kernel rejects keeps its default, and its module would not load with it
    const [e] = cmdlineEffects(h('vfio_iommu_type1.allow_unsafe_interrupts=true', k(5, 15)));
    expect(e.read).toBe(false);
    expect(e.effect).toBe("'true' is not a boolean for this kernel (5.15) (kstrtobool; `t…` / `f…` from 5.19): vfio_iommu_type1.allow_unsafe_interrupts keeps its default (off), and a module loaded with it fails to load (\"`true' invalid for parameter `allow_unsafe_interrupts'\")");
    expect(cmdlineEffects(h('vfio_iommu_type1.allow_unsafe_interrupts=true', k(6, 1)))[0]).toMatchObject({ read: true, effect: 'module parameter vfio_iommu_type1.allow_unsafe_interrupts on (true; as a `param` line would set it)' });
  });

  it('a host without `kernel` is read with the kernel passed (the default kernel, as simulate() takes it)', () => {
    const noKernel = { ...h('iommu.strict=true'), kernel: undefined };
    // no kernel at all: the newest behaviour, `true` is a boolean
    expect(cmdlineEffects(noKernel)[0]).toMatchObject({ read: true });
    expect(cmdlineEffects(noKernel, { major: 5, minor: 15 })[0]).toEqual({ token: 'iommu.strict=true', read: false, effect: "'true' is not a boolean for this kernel (5.15) (kstrtobool; `t…` / `f…` from 5.19), so it changes nothing" });
    // a declared kernel is what the caller passes too (simulate() prefers it to the default)
    expect(cmdlineEffects(h('iommu.strict=true', { kernel: { major: 5, minor: 15 } }))[0].read).toBe(false);
  });
});

describe('CMDLINE_OPTIONS (completion inside cmdline)', () => {
  it('proposes only options the simulator reads (on a recent kernel: amd_iommu=pgtbl_* counts from 6.14)', () => {
    for (const o of CMDLINE_OPTIONS) {
      const [e] = cmdlineEffects(h(o.name, { acsOverridePatch: true, kernel: { major: 6, minor: 14 }, iommus: [iommu('dmar0', 'intel-vtd', { scalableMode: true })] }));
      expect(e, o.name).toMatchObject({ token: o.name, read: true });
    }
  });
});
