import { ccProbeRule } from './cc-probe.js';
import { domDirectMappingRule } from './dom-direct-mapping.js';
import { hwptForceSnoopRule } from './hwpt-force-snoop.js';
import { hwptGroupRule } from './hwpt-group.js';
import { irIommufdBypassRule } from './ir-iommufd-bypass.js';
import { irIommufdRule } from './ir-iommufd.js';
import { irType1BypassRule } from './ir-type1-bypass.js';
import { irType1Rule } from './ir-type1.js';
import { kverBackendRule } from './kver-backend.js';
import { kverRangeRule } from './kver-range.js';
import { kverUnknownRule } from './kver-unknown.js';
import { kvmAmdV2Rule } from './kvm-amd-v2.js';
import { kvmAddOrderRule } from './kvm-add-order.js';
import { kvmAssumedRule } from './kvm-assumed.js';
import { kvmEmulatedRule } from './kvm-emulated.js';
import { kvmNoHookRule } from './kvm-nohook.js';
import { kvmNonX86Rule } from './kvm-non-x86.js';
import { kvmStaticCapRule } from './kvm-static-cap.js';
import type { Rule } from './rule.js';
import { t1DomainSplitRule } from './t1-domain-split.js';
import { vfioDenylistBypassRule, vfioDenylistRule } from './vfio-denylist.js';
import { vfioGroupSplitRule } from './vfio-group-split.js';
import { vfioHostDriverRule } from './vfio-host-driver.js';
import { vfioLiveGroupRule, vfioOwnedGroupRule } from './vfio-live-group.js';
import { vfioNoGroupRule } from './vfio-no-group.js';
import { vfioPciBridgeRule } from './vfio-pci-bridge.js';
import { vfioPfWithVfsRule } from './vfio-pf-with-vfs.js';
import { vfioUnknownDeviceRule } from './vfio-unknown-device.js';
import { vfioViabilityRule } from './vfio-viability.js';

/**
 * Rules about VFIO/iommufd viability (VIA*), firmware direct mappings (DOM*), interrupt isolation (IR*), DMA
 * coherency (CC*, T1*, HWPT*), KVM (KVM*) and kernel versions (KVER*). Each reads the outcomes `simulateVm` stored in `ctx.vms`.
 */
export const VFIO_RULES: Rule[] = [
  kverUnknownRule,
  kverBackendRule,
  kverRangeRule,
  vfioUnknownDeviceRule,
  vfioDenylistRule,
  vfioDenylistBypassRule,
  vfioPciBridgeRule,
  vfioPfWithVfsRule,
  vfioNoGroupRule,
  ccProbeRule,
  vfioHostDriverRule,
  vfioGroupSplitRule,
  vfioViabilityRule,
  vfioLiveGroupRule,
  vfioOwnedGroupRule,
  domDirectMappingRule,
  irType1Rule,
  irType1BypassRule,
  irIommufdRule,
  irIommufdBypassRule,
  t1DomainSplitRule,
  hwptForceSnoopRule,
  hwptGroupRule,
  kvmNoHookRule,
  kvmAssumedRule,
  kvmAmdV2Rule,
  kvmAddOrderRule,
  kvmEmulatedRule,
  kvmStaticCapRule,
  kvmNonX86Rule,
];
