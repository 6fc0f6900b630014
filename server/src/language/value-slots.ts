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
  KVM_VFIO_ADD_ORDERS,
  type Term,
} from '../../../src-core/src/vocabulary.js';
import { MODULE_PARAM_DOCS } from '../../../src-core/src/module-params.js';
import { gateReleases } from '../../../src-core/src/kernel-gates.js';

export interface ValueSlot {
  terms: Term[];
  /** Closed vocabulary: any other value is SYN002 "unknown <what>". Undefined = open (suggestions only). */
  what?: string;
  /** Values match case-insensitively (written upper case, as lspci prints ACS flags). */
  upperCase?: boolean;
}

/** Well-known module parameters for `param`: the ones the simulator reads (src-core `MODULE_PARAM_DOCS`, all bool). */
export const MODULE_PARAMS: Term[] = [...MODULE_PARAM_DOCS.values()].map((d) => ({ name: d.key, doc: d.summary }));

/**
 * Releases for a `kernel` line: those at which modelled behaviour changes (the core's gate table), each with what
 * changes there; LTS releases say so. An open vocabulary: any `X.Y[.Z]` is valid.
 */
export const KERNEL_RELEASES: Term[] = gateReleases().map((r) => ({
  name: r.release,
  doc: `${r.lts ? 'LTS. ' : ''}From ${r.release}: ${r.gates.map((g) => `${g.area}: ${g.from}`).join('; ')}.`,
}));

const acs: ValueSlot = { terms: ACS_FLAGS, what: 'ACS flag', upperCase: true };

export const VALUE_SLOTS: Record<string, ValueSlot> = {
  'ArchSetting.arch': { terms: ARCHES, what: 'architecture' },
  'KernelSetting.version': { terms: KERNEL_RELEASES },
  'FirmwareSetting.kind': { terms: FIRMWARE_KINDS, what: 'firmware kind' },
  'IommuDriverProp.driver': { terms: IOMMU_DRIVERS, what: 'IOMMU driver' },
  'IommuCapsProp.caps': { terms: IOMMU_CAP_TERMS, what: 'IOMMU capability' },
  'IommuMsiProp.controller': { terms: MSI_CONTROLLERS, what: 'MSI controller' },
  'IommuPgtableProp.format': { terms: PGTABLE_FORMATS, what: 'page-table format' },
  'ObservedDomainProp.domainType': { terms: DOMAIN_TYPES, what: 'default-domain type' },
  'BackendProp.backend': { terms: VFIO_BACKENDS, what: 'VFIO backend' },
  'KvmVfioAddProp.order': { terms: KVM_VFIO_ADD_ORDERS, what: 'kvm-vfio add order' },
  'AcsProp.cap': acs,
  'AcsProp.ctl': acs,
  'AcsProp.firmwareCtl': acs,
  'DriverProp.driver': { terms: COMMON_DRIVERS },
  'ModuleParam.name': { terms: MODULE_PARAMS },
  'VmmProp.vmm': { terms: ['qemu', 'cloud-hypervisor', 'crosvm', 'firecracker', 'libvirt'].map((name) => ({ name, doc: 'VMM' })) },
};
