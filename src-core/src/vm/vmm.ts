/**
 * What the model knows of VMMs: whether one creates the kvm-vfio device (`KVM_DEV_TYPE_VFIO`, KVM-VFIO-01) for its
 * VFIO devices without being asked. This is VMM behaviour, outside the kernel reference:
 * - QEMU creates it on the first VFIO group or device it opens with KVM (`hw/vfio/helpers.c:vfio_kvm_device_add_fd`,
 *   earlier `hw/vfio/common.c:vfio_kvm_device_add_group`); libvirt starts QEMU.
 * - cloud-hypervisor creates one for its passthrough devices (`vmm/src/device_manager.rs`, `create_passthrough_device`).
 * - crosvm creates one per VM for its VFIO containers (`devices/src/vfio.rs`, the KVM VFIO file).
 * Any other name (or none) is unknown: the simulator then assumes the device exists, as the common VMMs do, and says
 * so where it matters (KVM006).
 */
import type { Vm } from '../model.js';

/** VMM names (as written after `vmm`, lower case) known to create the kvm-vfio device. */
export const VMMS_WITH_KVM_VFIO: ReadonlySet<string> = new Set(['qemu', 'qemu-kvm', 'qemu-system-x86_64', 'libvirt', 'cloud-hypervisor', 'crosvm']);

/**
 * Where a VM's kvm-vfio answer comes from: `stated` (a `kvm-vfio` line), `vmm` (no line; its VMM is known to create
 * the device), `assumed` (no line and an unknown or unstated VMM; taken as created).
 */
export type KvmVfioSource = 'stated' | 'vmm' | 'assumed';

/** The kvm-vfio default for a VM without a `kvm-vfio` line: always created, and whether that is known or assumed. */
export function kvmVfioDefault(vmm: string | undefined): { kvmVfio: true; from: Exclude<KvmVfioSource, 'stated'> } {
  return { kvmVfio: true, from: vmm !== undefined && VMMS_WITH_KVM_VFIO.has(vmm.toLowerCase()) ? 'vmm' : 'assumed' };
}

/** A VM's {@link KvmVfioSource}; a model without `kvmVfioFrom` (the core API, tests) counts as stated. */
export function kvmVfioSource(vm: Vm): KvmVfioSource {
  return vm.kvmVfioFrom ?? 'stated';
}

/**
 * What a VM's `vmm` line does in the simulation, in one or two sentences (for hovers): whether that VMM is known to
 * create the kvm-vfio device (KVM-VFIO-01) and so what a VM without a `kvm-vfio` line is simulated with. `vm.kvmVfio`
 * and `vm.kvmVfioFrom` are the lowered VM's (a `kvm-vfio` line makes it `stated`). Never throws.
 */
export function vmmLineEffect(vm: Vm): string {
  const vmm = vm.vmm ?? '';
  const known = VMMS_WITH_KVM_VFIO.has(vmm.toLowerCase());
  const what = known
    ? `${vmm} creates the kvm-vfio device (\`KVM_DEV_TYPE_VFIO\`) for its VFIO devices without being asked (KVM-VFIO-01).`
    : `${vmm || 'This VMM'} is not one the model knows to create the kvm-vfio device (${[...VMMS_WITH_KVM_VFIO].join(', ')}).`;
  if (kvmVfioSource(vm) === 'stated') return `${what} The VM's \`kvm-vfio ${vm.kvmVfio ? 'yes' : 'no'}\` line decides: KVM ${vm.kvmVfio ? 'learns' : 'does not learn'} of its VFIO devices.`;
  return known
    ? `${what} With no \`kvm-vfio\` line the VM is simulated with it: KVM learns of its VFIO devices and their coherency.`
    : `${what} With no \`kvm-vfio\` line the simulator assumes it does, as the common VMMs do, and says so where the answer decides coherency (KVM006).`;
}
