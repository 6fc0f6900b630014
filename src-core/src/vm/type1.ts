/**
 * The legacy container walk: VFIO_GROUP_SET_CONTAINER / VFIO_SET_IOMMU / VFIO_GROUP_GET_DEVICE_FD with
 * vfio_iommu_type1 (VFIO-GRP-03/05, VFIO-IR-01/02, VFIO-T1-CC-01, VFIO-T1-SHARE-01).
 */
import { GATES, since } from '../kernel-gates.js';
import { vfioPgtable } from '../caps/enforce.js';
import type { Iommu } from '../model.js';
import { setAttachDetail, type DomainPeer } from './details.js';
import { boolParam, TYPE1_UNSAFE_PARAM } from './drivers.js';
import { directMappingBlock } from './direct-mapping.js';
import { INTEL_RMRR_MESSAGE, REQUIRE_DIRECT_MESSAGE, TYPE1_NO_IR_MESSAGE } from './messages.js';
import { groupHasIsolatedMsi } from './msi-check.js';
import { ownershipConflicts } from './ownership.js';
import { addCode, everyMember, fail, type GroupUse, type VmRun } from './run.js';

/** One type1 `vfio_domain` of the VM's container. */
export interface Type1Domain {
  label: string;
  /** ≤ 5.18 the driver; ≥ 5.19 the `iommu_domain_ops` identity (driver, AMD page-table format). */
  ops: string;
  /** ≤ 5.18 `prot & IOMMU_CACHE`; ≥ 5.19 `enforce_cache_coherency`. The sharing key and VFIO_DMA_CC_IOMMU. */
  flag: boolean;
  /** Does the domain block no-snoop (what KVM-BOX-01 calls "IOMMU blocks NS")? Before the AMD-v2 caveat. */
  enforced: boolean;
  iommuId?: string;
  driver?: Iommu['driver'];
  groupNumbers: number[];
}

/**
 * VFIO-T1-SHARE-01 "same ops": ≤ 5.18 per driver `iommu_ops`; ≥ 5.19 per `iommu_domain_ops`, which also
 * separates AMD v1 and v2 page tables (VFIO domains are v2 only from 6.14, {@link vfioPgtable}).
 */
export function type1OpsKey(iommu: Iommu | undefined, kernel: VmRun['kernel']): string {
  const drv = iommu?.driver ?? 'none';
  if (since(kernel, GATES.enforceCacheCoherencyOp) && drv === 'amd-vi') return `${drv}:${vfioPgtable(iommu!, kernel)}`;
  return drv;
}

/** ARM SMMU domains belong to one SMMU instance: attaching a group behind another instance fails (-EINVAL). */
function canShare(d: Type1Domain, iommu: Iommu | undefined): boolean {
  if (d.driver === 'arm-smmu' || d.driver === 'arm-smmu-v3') return d.iommuId === iommu?.id;
  return true;
}

/**
 * Walk the type1 container start-up for the VM's groups (in first-open order), filling outcomes:
 * 1. ≥ 5.19 `VFIO_GROUP_SET_CONTAINER` claims DMA ownership → -EPERM on a conflict (VFIO-GRP-05), then (≥ 6.6)
 *    -EINVAL for a member that requires a direct mapping (DOM-RESV-01, generic check).
 * 2. attach (at `VFIO_SET_IOMMU` for the first group, `VFIO_GROUP_SET_CONTAINER` later): Intel before 6.6 refuses an
 *    RMRR-locked member → -EPERM (DOM-RESV-01); MSI isolation →
 *    -EPERM + pr_warn unless `vfio_iommu_type1.allow_unsafe_interrupts` (VFIO-IR-01/02); coherency flag
 *    (VFIO-T1-CC-01); share an existing domain with the same ops and flag in list order (VFIO-T1-SHARE-01).
 * 3. ≤ 5.18 `VFIO_GROUP_GET_DEVICE_FD` → -EINVAL on a non-viable group (VFIO-GRP-03).
 * Returns the container's domains (for KVM-VFIO-02). Source: drivers/vfio/vfio_iommu_type1.c:
 * vfio_iommu_type1_attach_group; drivers/vfio/container.c:vfio_container_attach_group (≥ 5.19);
 * drivers/vfio/vfio.c:vfio_group_get_device_fd (≤ 5.18).
 */
export function walkType1(run: VmRun, groups: GroupUse[]): Type1Domain[] {
  const k = run.kernel;
  const modern = since(k, GATES.dmaOwnership);
  const enforceOp = since(k, GATES.enforceCacheCoherencyOp);
  const assigned = new Set(run.vm.assignedIds);
  const unsafe = boolParam(run.host, TYPE1_UNSAFE_PARAM);
  const domains: Type1Domain[] = [];
  let iommuSet = false;
  for (const { group, outcomes } of groups) {
    const conflicts = ownershipConflicts(run.host, group, k, assigned, run.hostDevice);
    if (modern && conflicts.length) {
      for (const o of outcomes) fail(o, 'VFIO_GROUP_SET_CONTAINER', 'EPERM', 'VIA001', undefined, { conflicts, groupNumber: group.number });
      continue;
    }
    const direct = directMappingBlock(run, group);
    const directDetail = direct && { directMappingIds: direct.memberIds, directMappingCheck: direct.check, groupNumber: group.number };
    // DOM-RESV-01 generic: taking DMA ownership moves the group to the blocking domain, refused for require_direct
    if (direct?.check === 'generic') {
      for (const o of outcomes) fail(o, 'VFIO_GROUP_SET_CONTAINER', 'EINVAL', 'DOM001', REQUIRE_DIRECT_MESSAGE, directDetail);
      continue;
    }
    const step = iommuSet ? 'VFIO_GROUP_SET_CONTAINER' : 'VFIO_SET_IOMMU';
    // DOM-RESV-01 Intel: iommu_attach_group, before the MSI check, refuses an RMRR-locked member
    if (direct?.check === 'intel-rmrr') {
      for (const o of outcomes) fail(o, step, 'EPERM', 'DOM001', INTEL_RMRR_MESSAGE, directDetail);
      continue;
    }
    if (direct) {
      for (const o of outcomes) {
        addCode(o, 'DOM001');
        setAttachDetail(o, directDetail!);
      }
    }
    if (!groupHasIsolatedMsi(run, group)) {
      if (!unsafe) {
        for (const o of outcomes) fail(o, step, 'EPERM', 'IR001', TYPE1_NO_IR_MESSAGE, { irStage: 'type1-attach', groupNumber: group.number });
        continue;
      }
      for (const o of outcomes) {
        addCode(o, 'IR002');
        setAttachDetail(o, { irStage: 'type1-attach' });
      }
    }
    const iommuId = run.caps(group.deviceIds[0])?.iommuId ?? group.iommuId;
    const iommu = run.host.iommus.find((i) => i.id === iommuId);
    const ops = type1OpsKey(iommu, k);
    const flag = enforceOp ? everyMember(run, group, (c) => c.enforceCoherency) : run.caps(group.deviceIds[0])?.cacheCoherency === true;
    const enforced = enforceOp ? flag : flag && everyMember(run, group, (c) => c.enforceCoherency);
    const peers: DomainPeer[] = domains.map((d) => ({ label: d.label, flag: d.flag, ops: d.ops }));
    let dom = domains.find((d) => d.ops === ops && d.flag === flag && canShare(d, iommu));
    if (!dom) {
      const n = domains.length + 1;
      const tag = enforceOp ? (flag ? 'enforce_cache_coherency' : 'no-snoop not blocked') : flag ? 'IOMMU_CACHE' : 'no IOMMU_CACHE';
      dom = { label: `domain#${n} (${tag})`, ops, flag, enforced, iommuId: iommu?.id, driver: iommu?.driver, groupNumbers: [] };
      domains.push(dom);
      if (peers.some((p) => p.ops !== ops || p.flag !== flag)) {
        for (const o of outcomes) {
          addCode(o, 'T1001');
          setAttachDetail(o, { domainPeers: peers, domainFlag: flag, domainOps: ops });
        }
      }
    }
    dom.groupNumbers.push(group.number);
    iommuSet = true;
    for (const o of outcomes) {
      o.domain = dom.label;
      o.domainEnforced = dom.enforced;
      o.step = 'VFIO_GROUP_GET_DEVICE_FD';
      setAttachDetail(o, { iommuId: iommu?.id, groupNumber: group.number });
    }
    if (!modern && conflicts.length) {
      for (const o of outcomes) fail(o, 'VFIO_GROUP_GET_DEVICE_FD', 'EINVAL', 'VIA001', undefined, { conflicts });
    }
  }
  return domains;
}
