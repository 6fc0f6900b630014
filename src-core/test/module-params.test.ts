import { describe, expect, it } from 'vitest';
import { SIMULATED_BOOL_PARAMS } from '../src/boot-params.js';
import { MODULE_PARAM_DOCS, paramLineEffect } from '../src/module-params.js';
import { vmmLineEffect } from '../src/vm/vmm.js';
import { host, iommu, vm as makeVm } from './builders.js';

const h = (cmdline?: string) => ({ ...host('h', '6.12', [iommu('dmar0', 'intel-vtd')], []), cmdline });

describe('paramLineEffect: what a host param line does', () => {
  it('documents exactly the parameters the simulator reads', () => {
    expect([...MODULE_PARAM_DOCS.keys()].sort()).toEqual([...SIMULATED_BOOL_PARAMS].sort());
  });

  it('reads a modelled parameter on or off as kstrtobool does, dashes as underscores', () => {
    const on = paramLineEffect(h(), 'vfio_iommu_type1.allow_unsafe_interrupts', '1');
    expect(on).toMatchObject({ key: 'vfio_iommu_type1.allow_unsafe_interrupts', read: true, value: true });
    expect(on.effect).toMatch(/^On: `vfio_iommu_type1_attach_group` attaches a group whose MSIs are not isolated/);
    const off = paramLineEffect(h(), 'vfio-pci.disable_denylist', 'N');
    expect(off).toMatchObject({ key: 'vfio_pci.disable_denylist', read: true, value: false });
    expect(off.effect).toBe('Off: vfio-pci refuses a denylisted device: probe fails with -EINVAL.');
    expect(paramLineEffect(h(), 'iommufd.allow_unsafe_interrupts', 'on').value).toBe(true);
  });

  it('says when a value is not a boolean (read as off)', () => {
    const e = paramLineEffect(h(), 'iommufd.allow_unsafe_interrupts', 'maybe');
    expect(e.value).toBe(false);
    expect(e.effect).toContain("'maybe' is not a boolean (`kstrtobool`): read as off");
  });

  it('says when the command line sets the same parameter otherwise (the line wins), and not when they agree', () => {
    expect(paramLineEffect(h('quiet vfio_iommu_type1.allow_unsafe_interrupts=1'), 'vfio_iommu_type1.allow_unsafe_interrupts', '0').effect).toContain(
      "The command line's `vfio_iommu_type1.allow_unsafe_interrupts=1` says otherwise; this line is what the module ended up with and wins.",
    );
    expect(paramLineEffect(h('vfio-iommu-type1.allow_unsafe_interrupts=1'), 'vfio_iommu_type1.allow_unsafe_interrupts', 'Y').effect).not.toContain('says otherwise');
  });

  it('an unmodelled parameter is not read, and the answer names the ones that are', () => {
    const e = paramLineEffect(h(), 'kvm.ignore_msrs', '1');
    expect(e.read).toBe(false);
    expect(e.value).toBeUndefined();
    expect(e.effect).toBe('The simulator does not read `kvm.ignore_msrs`; it only models `vfio_iommu_type1.allow_unsafe_interrupts`, `iommufd.allow_unsafe_interrupts`, `vfio_pci.disable_denylist`.');
  });

  it('a likely misspelling of a parameter it reads says what was meant (MDL008)', () => {
    expect(paramLineEffect(h(), 'vfio-iommu-type1.allow_unsafe_interupts', '1').effect).toMatch(/it only models .*\. Did you mean `vfio_iommu_type1\.allow_unsafe_interrupts`\? As written, the module ignores it \(MDL008\)\.$/);
    expect(paramLineEffect(h(), 'kvm.ignore_msrs', '1').effect).not.toContain('Did you mean');
  });
});

describe('vmmLineEffect: what a vmm line does', () => {
  const vm = (vmm: string | undefined, kvmVfio: boolean, kvmVfioFrom: 'stated' | 'vmm' | 'assumed') => makeVm('v', 'h', [], { vmm, kvmVfio, kvmVfioFrom });
  it('a known VMM creates the kvm-vfio device when no line says', () => {
    expect(vmmLineEffect(vm('qemu', true, 'vmm'))).toBe(
      'qemu creates the kvm-vfio device (`KVM_DEV_TYPE_VFIO`) for its VFIO devices without being asked (KVM-VFIO-01). With no `kvm-vfio` line the VM is simulated with it: KVM learns of its VFIO devices and their coherency.',
    );
  });
  it('an unknown VMM is assumed to (KVM006), and a kvm-vfio line decides over either', () => {
    expect(vmmLineEffect(vm('firecracker', true, 'assumed'))).toMatch(/^firecracker is not one the model knows to create the kvm-vfio device \(qemu, .*\)\. With no `kvm-vfio` line the simulator assumes it does, .*\(KVM006\)\.$/);
    expect(vmmLineEffect(vm('qemu', false, 'stated'))).toMatch(/The VM's `kvm-vfio no` line decides: KVM does not learn of its VFIO devices\.$/);
  });
});
