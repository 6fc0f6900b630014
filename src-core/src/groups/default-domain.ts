/**
 * The default domain of each iommu_group: what `/sys/kernel/iommu_groups/<N>/type` reads (DOM-TYPE-01; VFIO and iommufd
 * attach domains of their own without changing it). It decides how the host's own drivers DMA: translated with strict IOTLB
 * invalidation (`DMA`), translated with a flush queue (`DMA-FQ`, lazy), or not translated at all (`identity`).
 *
 * Three steps, as the kernel takes them (reference `kernel-groups-and-caps.md` §2, DOM-DEF-01..03):
 * 1. the global default from Kconfig and the command line ({@link globalDomainPolicy});
 * 2. drivers that force strict invalidation for the whole system (an emulated IOMMU in a VM);
 * 3. per group: the IOMMU driver's `def_domain_type` for each member, untrusted members, and whether a lazy domain
 *    gets its flush queue ({@link groupDefaultDomain}).
 *
 * Not modelled (the model has no input for them): a distribution Kconfig other than upstream's default, memory
 * encryption (DOM-DEF-01 step 3, only for a Kconfig passthrough default), Intel's integrated-GPU and Azalia identity
 * maps, AMD's identity default for PASID-capable devices, and qcom arm-smmu identity lists (DOM-DEF-03). Groups of
 * s390 units get no prediction (DOM-DEF-02 lists s390 modes that force strict, which the model cannot tell apart).
 */
import { regBit, VTD_ECAP } from '../caps/vtd-registers.js';
import { GATES, since } from '../kernel-gates.js';
import { cmdlineEntries, kstrtobool, x86IommuOptions } from '../kernel-cmdline.js';
import { formatKernel } from '../kernel-version.js';
import type { GroupingResult, HostAnalysis } from '../analysis.js';
import type { Host, Iommu, KernelVersion, PciDevice } from '../model.js';
import { topologyOf } from './index.js';
import { hostArch } from '../arch.js';

/** `/sys/kernel/iommu_groups/<N>/type` values this model can produce (DOM-TYPE-01). */
export type DefaultDomainType = 'DMA' | 'DMA-FQ' | 'identity';

/**
 * The host-wide default-domain policy after boot (DOM-DEF-01, DOM-DEF-02 forced strict).
 * `passthroughFrom` / `strictFrom`: what decided it, as the boot log would credit it: a command-line token
 * (`iommu=pt`), an IOMMU unit that forced strict mode, or the Kconfig default.
 */
export interface DomainPolicy {
  /** `iommu_def_domain_type == IOMMU_DOMAIN_IDENTITY`. */
  passthrough: boolean;
  passthroughFrom: string;
  /** `iommu_dma_strict`: translated domains invalidate the IOTLB on every unmap (no flush queue). */
  strict: boolean;
  strictFrom: string;
  /** Whether the command line chose the type (the boot log then adds " (set via kernel command line)"). */
  typeFromCmdline: boolean;
}

/** One group's predicted default domain: its type and the sentences that explain it (each names its rule id). */
export interface DefaultDomain {
  type: DefaultDomainType;
  /** What decided the type: the host-wide policy, the IOMMU driver's `def_domain_type`, or an untrusted member. */
  by: 'host-default' | 'iommu-driver' | 'untrusted';
  /** Why, most decisive first, e.g. "translated, lazy invalidation: the x86 Kconfig default … (DOM-DEF-01)". */
  why: string[];
}

export { kstrtobool } from '../kernel-cmdline.js';

/**
 * The global default-domain policy of `host` (DOM-DEF-01), with strict mode forced by its IOMMU units (DOM-DEF-02).
 *
 * - Kconfig: the upstream default is assumed, `IOMMU_DEFAULT_DMA_LAZY` on x86 and s390 and `IOMMU_DEFAULT_DMA_STRICT`
 *   elsewhere (never passthrough).
 * - Command line, later tokens winning: `iommu.passthrough=<bool>`, on x86 `iommu=` options beginning with `pt`
 *   (passthrough) or `nopt` (translated), and `iommu.strict=<bool>` (all early parameters). The deprecated
 *   `intel_iommu=strict` and `amd_iommu=fullflush` are `__setup` handlers, which run after every early parameter and
 *   call `iommu_set_dma_strict()`: they force strict wherever they stand.
 * - A unit that reports caching mode (`caching-mode`: Intel CAP.CM, AMD NpCache, i.e. an emulated IOMMU inside a VM)
 *   calls `iommu_set_dma_strict()`, which makes the whole host strict whatever the command line says. Intel skips it
 *   when first-level translation is the default, which needs scalable mode; the model assumes a scalable-mode unit
 *   uses first level.
 *
 * Sources: `drivers/iommu/iommu.c:iommu_subsys_init, iommu_set_def_domain_type, iommu_dma_setup,
 * iommu_set_dma_strict`; `arch/x86/kernel/pci-dma.c:iommu_setup`; `drivers/iommu/intel/iommu.c:intel_iommu_setup,
 * init_dmars`; `drivers/iommu/amd/init.c:parse_amd_iommu_options, iommu_init_pci`; `drivers/iommu/Kconfig`.
 * Never throws.
 */
export function globalDomainPolicy(host: Host): DomainPolicy {
  const arch = hostArch(host);
  const lazyByDefault = arch === 'x86_64' || arch === 's390x';
  const p: DomainPolicy = {
    passthrough: false,
    passthroughFrom: 'the Kconfig default (translated)',
    strict: !lazyByDefault,
    strictFrom: lazyByDefault ? `the ${arch === 'x86_64' ? 'x86' : 's390'} Kconfig default IOMMU_DEFAULT_DMA_LAZY` : 'the Kconfig default IOMMU_DEFAULT_DMA_STRICT',
    typeFromCmdline: false,
  };
  let forcedBy: string | undefined;
  for (const { token: t, key, value } of cmdlineEntries(host.cmdline)) {
    if (key === 'iommu.passthrough') {
      const b = kstrtobool(value, host.kernel);
      if (b !== undefined) Object.assign(p, { passthrough: b, passthroughFrom: t, typeFromCmdline: true });
    } else if (key === 'iommu.strict') {
      const b = kstrtobool(value, host.kernel);
      if (b !== undefined) Object.assign(p, { strict: b, strictFrom: t });
    } else if (key === 'iommu' && arch === 'x86_64') {
      for (const o of x86IommuOptions(value)) {
        if (o.startsWith('pt')) Object.assign(p, { passthrough: true, passthroughFrom: t, typeFromCmdline: true });
        else if (o.startsWith('nopt')) Object.assign(p, { passthrough: false, passthroughFrom: t, typeFromCmdline: true });
      }
    } else if (key === 'intel_iommu' && arch === 'x86_64') {
      if (value.split(',').some((o) => o.startsWith('strict'))) forcedBy ??= t;
    } else if (key === 'amd_iommu' && arch === 'x86_64') {
      if (value.split(',').some((o) => o.startsWith('fullflush'))) forcedBy ??= t;
    }
  }
  // __setup handlers run after the early parameters, whatever the order on the line
  if (forcedBy) Object.assign(p, { strict: true, strictFrom: `${forcedBy} (deprecated; it forces strict mode)` });
  const forcing = host.iommus.find((u) => forcesStrict(u));
  if (forcing) Object.assign(p, { strict: true, strictFrom: `IOMMU ${forcing.name}, which reports caching mode (an emulated IOMMU: "${strictLog(forcing)}")` });
  return p;
}

/** Does this unit call `iommu_set_dma_strict()` at init (DOM-DEF-02)? */
function forcesStrict(u: Iommu): boolean {
  if (!u.cachingMode) return false;
  if (u.driver === 'amd-vi') return true;
  return u.driver === 'intel-vtd' && !u.scalableMode;
}

function strictLog(u: Iommu): string {
  return u.driver === 'amd-vi' ? 'AMD-Vi: Using strict mode due to virtualization' : 'IOMMU batching disallowed due to virtualization';
}

/** The type the global policy alone gives (DOM-DEF-01 step 4: translated and not strict → DMA-FQ). */
export function policyType(p: DomainPolicy): DefaultDomainType {
  return p.passthrough ? 'identity' : p.strict ? 'DMA' : 'DMA-FQ';
}

/**
 * The unit is known to lack Intel ECAP.PT: its `ecap` register value (imported, or written in the file) has bit 6
 * clear and its caps do not list `passthrough`. Without a register value pass-through is assumed present, as on
 * nearly all VT-d hardware: a hand-written unit that does not list `passthrough` says nothing about it.
 */
export function lacksPassthrough(u: Iommu): boolean {
  return u.driver === 'intel-vtd' && !u.passthrough && u.rawEcap !== undefined && !regBit(u.rawEcap, VTD_ECAP.PT);
}

/** HiSilicon PCIe Tune and Trace device (PCI 19e5:a12e), which arm-smmu-v3 always gives an identity domain. */
function isHisiPtt(d: PciDevice): boolean {
  return d.vendorId === 0x19e5 && d.deviceId === 0xa12e;
}

/**
 * The driver's `def_domain_type(dev)` for one member (DOM-DEF-03): `identity`, `DMA`, or undefined (no preference).
 */
function driverType(u: Iommu, d: PciDevice, policy: DomainPolicy, kernel: KernelVersion | undefined): { type?: DefaultDomainType; why?: string } {
  if (lacksPassthrough(u)) {
    // Without ECAP.PT newer kernels always ask for a (strict) DMA domain; older ones had no preference and, for an
    // identity default, emulated pass-through with a 1:1 page table.
    if (kernel && !since(kernel, GATES.intelNoPassthroughDma)) {
      return policy.passthrough ? { why: `Intel ${u.name} has no hardware pass-through (ECAP.PT); ${formatKernel(kernel)} emulates identity with a 1:1 page table (DOM-DEF-03)` } : {};
    }
    const why = `Intel ${u.name} has no hardware pass-through (ECAP.PT, bit 6 of its \`ecap\`), so \`device_def_domain_type\` asks for a DMA domain: translated, strict, whatever the host default (DOM-DEF-03)`;
    return { type: 'DMA', why };
  }
  if (u.driver === 'arm-smmu-v3' && isHisiPtt(d) && since(kernel, GATES.hisiPttIdentity)) {
    const why = `${d.name} is a HiSilicon PTT device (19e5:a12e), which \`arm_smmu_def_domain_type\` always maps 1:1 (DOM-DEF-03)`;
    return { type: 'identity', why };
  }
  return {};
}

/**
 * The default domain of one iommu_group (DOM-DEF-01..03, `drivers/iommu/iommu.c:iommu_get_default_domain_type`,
 * `iommu_get_def_domain_type`):
 * - each member's driver preference in probe order; on a conflict the first preference stays, except that identity
 *   wins ("IOMMU driver error, requesting conflicting def_domain_type");
 * - an untrusted member (external-facing, e.g. Thunderbolt) forces `DMA`; if a driver asked for another type the
 *   kernel refuses to probe the group and there is no default domain (undefined: no prediction);
 * - otherwise the global policy's type, where a `DMA-FQ` the driver cannot give becomes `DMA` (virtio-iommu before
 *   deferred-flush support, see `flushQueueDowngrade`), and reads `DMA` before 5.15 (no DMA-FQ type yet).
 *
 * `unit` is the group's IOMMU (undefined: policy only); `members` in probe order; `kernel` undefined = the assumed
 * kernel (6.12). Never throws.
 */
export function groupDefaultDomain(policy: DomainPolicy, unit: Iommu | undefined, members: readonly PciDevice[], kernel: KernelVersion | undefined): DefaultDomain | undefined {
  let preferred: DefaultDomainType | undefined;
  let preferredWhy: string | undefined;
  /** A driver remark that does not change the type (Intel without ECAP.PT before 6.12). */
  let note: string | undefined;
  for (const d of unit ? members : []) {
    const t = driverType(unit!, d, policy, kernel);
    if (!t.type) {
      if (t.why) note ??= t.why;
      continue;
    }
    if (preferred === undefined || (preferred !== t.type && t.type === 'identity')) {
      preferred = t.type;
      preferredWhy = t.why;
    }
  }
  const untrusted = members.find((d) => d.untrusted);
  if (untrusted) {
    // a driver preference other than DMA: "Device is not trusted, but driver is overriding group … refusing to
    // probe." The group gets no default domain, and the model no prediction
    if (preferred && preferred !== 'DMA') return undefined;
    return { type: 'DMA', by: 'untrusted', why: [`${untrusted.name} is untrusted (external-facing), which forces a translated, strict DMA domain on its group (DOM-DEF-02)`] };
  }
  if (preferred) return { type: preferred, by: 'iommu-driver', why: [preferredWhy!, policyText(policy)] };
  let type = policyType(policy);
  const why = note ? [policyText(policy), note] : [policyText(policy)];
  // before 5.15 a lazy domain is an IOMMU_DOMAIN_DMA with a flush queue: `type` shows DMA
  if (type === 'DMA-FQ' && kernel && !since(kernel, GATES.dmaFq)) {
    type = 'DMA';
    why.push(`${formatKernel(kernel)} predates the DMA-FQ domain type (5.15): a lazy domain reads DMA`);
  }
  const fq = type === 'DMA-FQ' && unit ? flushQueueDowngrade(unit, kernel) : undefined;
  if (fq) return { type: fq.type, by: 'iommu-driver', why: [fq.why, ...why] };
  return { type, by: 'host-default', why };
}

/**
 * DOM-DEF-02 / DOM-DEF-03: a DMA-FQ default domain the driver cannot give becomes DMA. virtio-iommu accepted only
 * UNMANAGED, DMA and IDENTITY domains until it gained `flush_iotlb_all` and IOMMU_CAP_DEFERRED_FLUSH ("iommu/virtio:
 * Add ops->flush_iotlb_all and enable deferred flush", merged for 6.8): the DMA_FQ allocation fails and the core
 * falls back to DMA ("Failed to allocate default IOMMU domain of type … Falling back to IOMMU_DOMAIN_DMA"). The
 * reference shows the capability in the 6.12 source; the release is that of the IOMMU pull for 6.8. Undefined = no
 * downgrade.
 */
function flushQueueDowngrade(u: Iommu, kernel: KernelVersion | undefined): { type: DefaultDomainType; why: string } | undefined {
  if (u.driver !== 'virtio-iommu' || !kernel || since(kernel, GATES.virtioNoFlushQueue)) return undefined;
  return {
    type: 'DMA',
    why: `virtio-iommu ${u.name} on ${formatKernel(kernel)} has no flush-queue support, so the lazy default's DMA-FQ domain cannot be allocated and the core falls back to a strict DMA domain (DOM-DEF-02, DOM-DEF-03)`,
  };
}

/** "translated, lazy invalidation (flush queue): the x86 Kconfig default … (DOM-DEF-01)" and the like. */
export function policyText(p: DomainPolicy): string {
  if (p.passthrough) return `host default identity (pass-through), set by ${p.passthroughFrom} (DOM-DEF-01)`;
  const mode = p.strict ? 'strict invalidation' : 'lazy invalidation (flush queue)';
  const typeSource = p.typeFromCmdline ? `, translation set by ${p.passthroughFrom}` : '';
  return `host default translated with ${mode}, from ${p.strictFrom}${typeSource} (DOM-DEF-01${p.strictFrom.startsWith('IOMMU ') ? ', DOM-DEF-02' : ''})`;
}

/**
 * Every group's default domain on one host: `policy` from {@link globalDomainPolicy}, and `byGroup` from group number
 * to {@link groupDefaultDomain}. `host` is the host as booted (command-line switches applied, see `boot-params.ts`:
 * a unit turned off has no groups anyway); `grouping` its grouping; `kernel` the effective kernel (undefined =
 * the assumed kernel, 6.12). Groups of an s390 unit, groups whose probing the kernel refuses, and every group before 5.11
 * (no `type` file) are left out. Never throws.
 */
export function hostDefaultDomains(host: Host, grouping: GroupingResult, kernel: KernelVersion | undefined): { policy: DomainPolicy; byGroup: Map<number, DefaultDomain> } {
  const policy = globalDomainPolicy(host);
  const byGroup = new Map<number, DefaultDomain>();
  // no `type` file before 5.11 (DOM-TYPE-01)
  if (!since(kernel, GATES.groupTypeFile)) return { policy, byGroup };
  const topo = topologyOf(grouping, host);
  for (const g of grouping.groups) {
    const unit = g.iommuId === undefined ? undefined : host.iommus.find((u) => u.id === g.iommuId);
    if (unit?.driver === 's390') continue; // not modelled: s390 moved to dma-iommu late and forces strict in some modes
    const members: PciDevice[] = [];
    for (const id of g.deviceIds) {
      const d = topo.device(id);
      if (d) members.push(d);
    }
    const d = groupDefaultDomain(policy, unit, members, kernel);
    if (d) byGroup.set(g.number, d);
  }
  return { policy, byGroup };
}

/**
 * {@link hostDefaultDomains} of a simulated host: the analysis's own (built on first read, see `simulate.ts`), or
 * computed once when an analysis made elsewhere (a test stub) lacks them.
 */
export function analysisDomains(host: Host, ha: HostAnalysis): { policy: DomainPolicy; byGroup: Map<number, DefaultDomain> } {
  if (ha.domainPolicy && ha.defaultDomains) return { policy: ha.domainPolicy, byGroup: ha.defaultDomains };
  return hostDefaultDomains(host, ha.grouping, ha.kernel);
}
