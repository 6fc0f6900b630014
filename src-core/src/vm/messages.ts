/** Kernel log lines the simulator reproduces, verbatim from the reference (kernel-rules-vfio-kvm.md). */

/**
 * VFIO-IR-01/02: pr_warn in drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group (all versions),
 * prefixed with the function name by `pr_fmt`-less `__func__` formatting.
 */
export const TYPE1_NO_IR_MESSAGE =
  'vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform';

/**
 * IOMMUFD-IR-02 (≥ 6.6): dev_warn in drivers/iommu/iommufd/device.c:iommufd_device_bind when
 * `iommufd.allow_unsafe_interrupts` overrides the missing isolation. For 6.2–6.5 (IOMMUFD-IR-01,
 * `iommufd_device_setup_msi`) the reference marks the exact text UNCONFIRMED; the simulator uses the same text.
 */
export const IOMMUFD_UNSAFE_MSI_WARNING =
  'MSI interrupts are not secure, they cannot be isolated by the platform. Check that platform features like interrupt remapping are enabled. Use the "allow_unsafe_interrupts" module parameter to override';

/**
 * VFIO-PCI-01 / VFIO-CC-01: drivers/base/dd.c:call_driver_probe for a vfio-pci probe failure, e.g.
 * `vfio-pci: probe of 0000:65:00.0 failed with error -22`.
 */
export function probeFailedMessage(bdf: string, errnoValue: number): string {
  return `vfio-pci: probe of ${bdf} failed with error -${errnoValue}`;
}

/** Linux errno numbers used in messages. */
export const ERRNO = { EPERM: 1, ENOENT: 2, EBUSY: 16, ENODEV: 19, EINVAL: 22, EOPNOTSUPP: 95 } as const;

/**
 * DOM-RESV-01, generic check (S-6.12, S-7.2): dev_warn in drivers/iommu/iommu.c:__iommu_device_set_domain when a
 * device with a firmware `direct` region (`require_direct`) would be put in the blocking domain, which
 * `iommu_group_claim_dma_owner` / `iommu_device_claim_dma_owner` do for VFIO and iommufd (a48ce36e2786).
 */
export const REQUIRE_DIRECT_MESSAGE =
  'Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.';

/**
 * DOM-RESV-01, Intel before the generic check (S-6.1): dev_warn in drivers/iommu/intel/iommu.c:
 * intel_iommu_attach_device for an unmanaged domain and a device with a non-relaxable RMRR (`device_is_rmrr_locked`).
 */
export const INTEL_RMRR_MESSAGE = 'Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  Contact your platform vendor.';

/**
 * VFIO-PCI-01: pci_warn in drivers/vfio/pci/vfio_pci_core.c:vfio_pci_core_register_device for a PF whose SR-IOV VFs
 * are enabled (`pci_num_vf`), prefixed with driver and device as dev_printk does during probe.
 */
export function pfWithVfsMessage(bdf: string): string {
  return `vfio-pci ${bdf}: Cannot bind to PF with SR-IOV enabled`;
}
