/**
 * Where the grammar takes a plain name that stands for a vocabulary value (`driver intel-vtd`,
 * `caps snoop-control`, `acs cap SV`): one table, keyed `<AST type>.<property>`, used by validation (SYN002
 * for closed vocabularies) and by completion (all of them).
 */
import {
  ACS_FLAGS,
  ARCHES,
  COMMON_DRIVERS,
  FIRMWARE_KINDS,
  IOMMU_CAP_TERMS,
  IOMMU_DRIVERS,
  MSI_CONTROLLERS,
  PGTABLE_FORMATS,
  DOMAIN_TYPES,
  VFIO_BACKENDS,
  type Term,
} from '../../../src-core/src/vocabulary.js';

export interface ValueSlot {
  terms: Term[];
  /** Closed vocabulary: any other value is SYN002 "unknown <what>". Undefined = open (suggestions only). */
  what?: string;
  /** Values match case-insensitively (written upper case, as lspci prints ACS flags). */
  upperCase?: boolean;
}

/** Well-known module parameters for `param`. */
export const MODULE_PARAMS: Term[] = [
  { name: 'vfio_iommu_type1.allow_unsafe_interrupts', doc: 'Let type1 attach groups without MSI isolation (VFIO-IR-01/02). Insecure: the guest can forge MSIs.' },
  { name: 'iommufd.allow_unsafe_interrupts', doc: 'Same for iommufd (IOMMUFD-IR-01/02); the type1 parameter is ignored on iommufd paths.' },
  { name: 'vfio_pci.disable_denylist', doc: 'Allow vfio-pci to bind devices on its denylist (VFIO-PCI-01).' },
];

const acs: ValueSlot = { terms: ACS_FLAGS, what: 'ACS flag', upperCase: true };

export const VALUE_SLOTS: Record<string, ValueSlot> = {
  'ArchSetting.arch': { terms: ARCHES, what: 'architecture' },
  'FirmwareSetting.kind': { terms: FIRMWARE_KINDS, what: 'firmware kind' },
  'IommuDriverProp.driver': { terms: IOMMU_DRIVERS, what: 'IOMMU driver' },
  'IommuCapsProp.caps': { terms: IOMMU_CAP_TERMS, what: 'IOMMU capability' },
  'IommuMsiProp.controller': { terms: MSI_CONTROLLERS, what: 'MSI controller' },
  'IommuPgtableProp.format': { terms: PGTABLE_FORMATS, what: 'page-table format' },
  'ObservedDomainProp.domainType': { terms: DOMAIN_TYPES, what: 'default-domain type' },
  'BackendProp.backend': { terms: VFIO_BACKENDS, what: 'VFIO backend' },
  'AcsProp.cap': acs,
  'AcsProp.ctl': acs,
  'AcsProp.firmwareCtl': acs,
  'DriverProp.driver': { terms: COMMON_DRIVERS },
  'ModuleParam.name': { terms: MODULE_PARAMS },
  'VmmProp.vmm': { terms: ['qemu', 'cloud-hypervisor', 'crosvm', 'firecracker', 'libvirt'].map((name) => ({ name, doc: 'VMM' })) },
};
