/**
 * The iommufd walk: group fd + iommufd as container (`iommufd-compat`, 6.2+) or the VFIO device cdev
 * (`iommufd-cdev`, 6.6+): bind (ownership, MSI ≥ 6.6), then attach to an automatic IOAS HWPT or a manual HWPT
 * (VFIO-GRP-07, IOMMUFD-IR-01/02, IOMMUFD-CC-02, IOMMUFD-SHARE-01, IOMMU-ENF-02, DOM-RESV-01).
 */
import { GATES, since } from '../kernel-gates.js';
import type { AttachOutcome, DeviceCaps } from '../analysis.js';
import type { Hwpt, Iommu } from '../model.js';
import { setAttachDetail } from './details.js';
import { boolParam, IOMMUFD_UNSAFE_PARAM, TYPE1_UNSAFE_PARAM } from './drivers.js';
import { directMappingBlock } from './direct-mapping.js';
import { INTEL_RMRR_MESSAGE, IOMMUFD_UNSAFE_MSI_WARNING, REQUIRE_DIRECT_MESSAGE } from './messages.js';
import { groupHasIsolatedMsi } from './msi-check.js';
import { ownershipConflicts } from './ownership.js';
import { addCode, fail, type GroupUse, type VmRun } from './run.js';

/** One iommufd HW page table of the VM's IOAS. */
export interface IommufdHwpt {
  label: string;
  manual: boolean;
  /** `enforce_cache_coherency` succeeded on it (IOMMUFD-CC-02). */
  enforced: boolean;
  iommuId?: string;
  driver?: Iommu['driver'];
  /** Devices attached, in order (the first allocated it). */
  deviceIds: string[];
  spec?: Hwpt;
}

/**
 * IOMMU-ENF-02: errno when a device that cannot force-snoop is attached to a force-snoop (enforced) domain:
 * Intel -EOPNOTSUPP in 5.19–6.1, -EINVAL from 6.2 (f4a147735793); other drivers -EINVAL.
 * Source: drivers/iommu/intel/iommu.c:prepare_domain_attach_device (S-6.1), paging_domain_compatible (S-7.2).
 */
export function forceSnoopAttachErrno(driver: Iommu['driver'] | undefined, kernel: VmRun['kernel']): 'EOPNOTSUPP' | 'EINVAL' {
  return driver === 'intel-vtd' && !since(kernel, GATES.intelForceSnoopEinval) ? 'EOPNOTSUPP' : 'EINVAL';
}

type TryResult = { ok: true; upgraded?: boolean } | { ok: false; errno: string; reason: 'force-snoop' | 'upgrade' | 'instance' };

/**
 * Would the driver / iommufd accept attaching a device with `caps` behind `iommu` to `hwpt`?
 * - another ARM SMMU instance → -EINVAL;
 * - enforced HWPT, device without ENFORCE → -EINVAL (IOMMU-ENF-02);
 * - 6.2–6.6: device with ENFORCE, HWPT not enforced → upgrade, which fails (-EINVAL) when a non-ENFORCE device
 *   is attached; ≥ 6.7 accepted without upgrade (IOMMUFD-CC-02).
 */
function tryAttach(run: VmRun, hwpt: IommufdHwpt, caps: DeviceCaps | undefined, iommu: Iommu | undefined): TryResult {
  const enforce = caps?.enforceCoherency === true;
  if ((hwpt.driver === 'arm-smmu' || hwpt.driver === 'arm-smmu-v3') && hwpt.iommuId !== iommu?.id) return { ok: false, errno: 'EINVAL', reason: 'instance' };
  if (hwpt.enforced && !enforce) return { ok: false, errno: forceSnoopAttachErrno(hwpt.driver, run.kernel), reason: 'force-snoop' };
  if (!hwpt.enforced && enforce && !since(run.kernel, GATES.iommufdNoUpgrade)) {
    const all = hwpt.deviceIds.every((id) => run.caps(id)?.enforceCoherency === true);
    if (!all) return { ok: false, errno: 'EINVAL', reason: 'upgrade' };
    hwpt.enforced = true;
    return { ok: true, upgraded: true };
  }
  return { ok: true };
}

/**
 * Walk bind + attach for every device of the VM's groups. Returns the HWPTs created (auto and manual).
 * Steps: compat → everything surfaces at `VFIO_GROUP_GET_DEVICE_FD`; cdev → `VFIO_DEVICE_BIND_IOMMUFD` then
 * `VFIO_DEVICE_ATTACH_IOMMUFD_PT`. Manual HWPTs (`vm.hwpts`) are honoured on the cdev path only (the compat
 * path has no way to name a HWPT). Source: drivers/iommu/iommufd/device.c:iommufd_device_bind,
 * iommufd_device_auto_get_domain, iommufd_hw_pagetable_attach; iommufd/hw_pagetable.c:iommufd_hwpt_paging_alloc.
 */
export function walkIommufd(run: VmRun, groups: GroupUse[]): IommufdHwpt[] {
  const k = run.kernel;
  const cdev = run.vm.backend === 'iommufd-cdev';
  const bindStep = cdev ? 'VFIO_DEVICE_BIND_IOMMUFD' : 'VFIO_GROUP_GET_DEVICE_FD';
  const attachStep = cdev ? 'VFIO_DEVICE_ATTACH_IOMMUFD_PT' : 'VFIO_GROUP_GET_DEVICE_FD';
  const assigned = new Set(run.vm.assignedIds);
  const unsafe = boolParam(run.host, IOMMUFD_UNSAFE_PARAM);
  const type1Set = boolParam(run.host, TYPE1_UNSAFE_PARAM);
  const irAtBind = since(k, GATES.iommufdIrAtBind);
  const hwpts: IommufdHwpt[] = [];
  const manualSpec = new Map<string, Hwpt>();
  if (cdev) for (const h of run.vm.hwpts) for (const id of h.deviceIds) if (!manualSpec.has(id)) manualSpec.set(id, h);
  const manualBySpec = new Map<Hwpt, IommufdHwpt>();
  let autoCount = 0;

  const msiCheck = (o: AttachOutcome, isolated: boolean, step: string): boolean => {
    if (isolated) return true;
    const stage = irAtBind ? 'iommufd-bind' : 'iommufd-attach';
    if (!unsafe) {
      fail(o, step, 'EPERM', 'IR003', undefined, { irStage: stage, type1ParamIgnored: type1Set });
      return false;
    }
    o.kernelMessage = IOMMUFD_UNSAFE_MSI_WARNING;
    addCode(o, 'IR004');
    setAttachDetail(o, { irStage: stage });
    return true;
  };

  for (const { group, outcomes } of groups) {
    const conflicts = ownershipConflicts(run.host, group, k, assigned, run.hostDevice);
    const isolated = groupHasIsolatedMsi(run, group);
    const direct = directMappingBlock(run, group);
    const directDetail = direct && { directMappingIds: direct.memberIds, directMappingCheck: direct.check };
    let groupHwpt: IommufdHwpt | undefined;
    for (const o of outcomes) {
      const caps = run.caps(o.deviceId);
      const iommu = run.host.iommus.find((i) => i.id === caps?.iommuId);
      setAttachDetail(o, { iommuId: iommu?.id, groupNumber: group.number });
      // bind: IOMMUFD-CC-01 (already refused at vfio-pci probe), IOMMUFD-IR-02 (≥ 6.6), ownership (VFIO-GRP-07)
      if (irAtBind && !msiCheck(o, isolated, bindStep)) continue;
      if (conflicts.length) {
        fail(o, bindStep, 'EPERM', 'VIA001', undefined, { conflicts });
        continue;
      }
      // DOM-RESV-01 generic: the DMA-ownership claim of bind moves the group to the blocking domain
      if (direct?.check === 'generic') {
        fail(o, bindStep, 'EINVAL', 'DOM001', REQUIRE_DIRECT_MESSAGE, directDetail);
        continue;
      }
      // attach
      if (!irAtBind && !msiCheck(o, isolated, attachStep)) continue;
      // DOM-RESV-01 Intel: the attach to the (unmanaged) IOAS domain refuses an RMRR-locked member
      if (direct?.check === 'intel-rmrr') {
        fail(o, attachStep, 'EPERM', 'DOM001', INTEL_RMRR_MESSAGE, directDetail);
        continue;
      }
      if (direct) {
        addCode(o, 'DOM001');
        setAttachDetail(o, directDetail!);
      }
      const spec = manualSpec.get(o.deviceId);
      if (groupHwpt) {
        // a device named in a hwpt block wants that manual HWPT; one without goes through the IOAS, whose automatic
        // HWPTs are the only ones iommufd_device_auto_get_domain picks ("manually created HWPTs are never chosen
        // automatically", IOMMUFD-SHARE-01): either way a HWPT other than the group's is refused (VFIO-GRP-07)
        const want = spec ? manualBySpec.get(spec) : undefined;
        if (spec ? want !== groupHwpt : groupHwpt.manual) {
          fail(o, attachStep, 'EINVAL', 'HWPT001', undefined, { hwptName: spec?.name, hwptFirstDeviceId: groupHwpt.deviceIds[0], hwptOwnId: spec?.id, hwptGroupId: groupHwpt.spec?.id });
          continue;
        }
        groupHwpt.deviceIds.push(o.deviceId);
        o.step = attachStep;
        o.domain = groupHwpt.label;
        o.domainEnforced = groupHwpt.enforced;
        continue;
      }
      let target: IommufdHwpt | undefined;
      if (spec) {
        const existing = manualBySpec.get(spec);
        if (existing) {
          const r = tryAttach(run, existing, caps, iommu);
          if (!r.ok) {
            fail(o, attachStep, r.errno, 'T1002', undefined, { hwptName: spec.name, hwptFirstDeviceId: existing.deviceIds[0], hwptRefusal: r.reason });
            continue;
          }
          target = existing;
        } else {
          target = { label: `hwpt ${spec.name} (manual, ${caps?.enforceCoherency ? 'enforced' : 'not enforced'})`, manual: true, enforced: caps?.enforceCoherency === true, iommuId: iommu?.id, driver: iommu?.driver, deviceIds: [], spec };
          manualBySpec.set(spec, target);
          hwpts.push(target);
        }
      } else {
        for (const h of hwpts) {
          if (h.manual) continue;
          if (tryAttach(run, h, caps, iommu).ok) {
            target = h;
            break;
          }
        }
        if (!target) {
          autoCount++;
          target = { label: `hwpt#${autoCount} (auto)`, manual: false, enforced: caps?.enforceCoherency === true, iommuId: iommu?.id, driver: iommu?.driver, deviceIds: [] };
          hwpts.push(target);
        }
      }
      target.deviceIds.push(o.deviceId);
      groupHwpt = target;
      o.step = attachStep;
      o.domain = target.label;
      o.domainEnforced = target.enforced;
    }
  }
  // Labels carry the final enforce state (an upgrade in 6.2–6.6 may have changed it).
  for (const h of hwpts) {
    if (!h.manual) h.label = `${h.label.replace(/ \(auto.*$/, '')} (auto, ${h.enforced ? 'enforced' : 'not enforced'})`;
    for (const o of run.outcomes) {
      if (o.ok && h.deviceIds.includes(o.deviceId)) {
        o.domain = h.label;
        o.domainEnforced = h.enforced;
      }
    }
  }
  return hwpts;
}
