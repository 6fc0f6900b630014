/**
 * The ACS Capability/Control values `pci_acs_enabled()` sees at iommu_group formation: kernel enabling
 * (GRP-ACS-05), its timing (GRP-ACS-06), capability editing (GRP-ACS-07), the SPT/UPT dword layout (CFG-ACS-03)
 * and the `pci=disable_acs_redir=` / `pci=config_acs=` command line (GRP-CMD-01/02).
 */
import { ACS_TIMING_REGRESSION, GATES, since } from '../kernel-gates.js';
import { ACS, type Host, type KernelVersion, type PciDevice } from '../model.js';
import { ASSUMED_KERNEL, formatKernel } from '../kernel-version.js';
import { parsePciAcsOptions, scanAcsParam, type PciAcsOptions } from './cmdline.js';
import { acsFlagNames, hex4 } from './names.js';
import { isIntelPchAcsPort, isIntelSptPchPort } from './quirks.js';
import type { HostTopology } from './topology.js';
import { hostArch } from '../arch.js';

/** SV | RR | CR | UF: what `pci_std_enable_acs` turns on when advertised. */
const STD_ENABLE = ACS.SV | ACS.RR | ACS.CR | ACS.UF;
const REDIR = ACS.RR | ACS.CR | ACS.EC;

/** Why ACS was, or was not, enabled before grouping (GRP-ACS-06). */
export type AcsTimingCause =
  | 'enumeration' // ≤ 6.19 ACPI: pci_acs_init → pci_enable_acs after IOMMU detection
  | 'dma-configure' // ≥ 7.0: pci_dma_configure before device_group
  | 'stable-regression' // 6.12.75–6.12.77: enable moved after grouping
  | 'devicetree-late' // DT platforms < 7.0: pci_request_acs only from of_iommu_configure
  | 'not-requested' // no IOMMU driver called pci_request_acs
  | 'override'; // host.acsEnabledBeforeGrouping

/** GRP-ACS-06 result for one host. */
export interface AcsTiming {
  /** Some IOMMU driver called `pci_request_acs()` (intel, amd, arm-smmu(-v3), virtio-iommu). */
  acsRequested: boolean;
  /** The kernel's ACS enable (GRP-ACS-05) happened before iommu_group formation. */
  enabledBeforeGrouping: boolean;
  /** `pci=` ACS command-line edits were applied before grouping (they run inside `pci_enable_acs`). */
  cmdlineBeforeGrouping: boolean;
  cause: AcsTimingCause;
  /** One sentence for hovers and GRP005. */
  text: string;
}

/** Firmware type, defaulting as documented on `Host.firmware` (acpi on x86, devicetree on arm64/riscv64). */
export function firmwareType(host: Host): 'acpi' | 'devicetree' {
  if (host.firmware) return host.firmware;
  const arch = hostArch(host);
  return arch === 'arm64' || arch === 'riscv64' ? 'devicetree' : 'acpi';
}

/**
 * True iff `k` is in the ACS-timing stable regression window 6.12.75–6.12.77 (backport 7a126c1b6cfa of mainline
 * c41e2fb67e26 without the 6.15 probe-path change). The revert release is UNCONFIRMED; the same backport in older
 * stable series (e.g. 6.1.y before the revert after 6.1.169) is not modelled because its range is unknown.
 */
export function inAcsStableRegression(k: KernelVersion | undefined): boolean {
  return !!k && ACS_TIMING_REGRESSION.matches(k);
}

/**
 * GRP-ACS-06: when ACS is enabled relative to group formation. `kernel` undefined = the assumed kernel (6.12).
 * Never throws. Source: S-6.12 drivers/pci/pci.c:pci_acs_init, drivers/iommu/of_iommu.c:of_iommu_configure;
 * S-7.2 drivers/pci/pci-driver.c:pci_dma_configure, drivers/iommu/iommu.c:iommu_init_device.
 */
export function acsTiming(host: Host, kernel: KernelVersion | undefined): AcsTiming {
  const acsRequested = host.iommus.some((i) => i.driver !== 'none' && i.driver !== 's390');
  const k = formatKernel(kernel ?? ASSUMED_KERNEL);
  if (host.acsEnabledBeforeGrouping !== undefined) {
    const on = host.acsEnabledBeforeGrouping;
    return { acsRequested, enabledBeforeGrouping: on && acsRequested, cmdlineBeforeGrouping: on, cause: 'override', text: `the host states ACS was ${on ? '' : 'not '}enabled before iommu_group formation` };
  }
  if (!acsRequested)
    return { acsRequested, enabledBeforeGrouping: false, cmdlineBeforeGrouping: true, cause: 'not-requested', text: 'no IOMMU driver requested ACS (pci_request_acs), so the kernel does not enable it' };
  if (inAcsStableRegression(kernel))
    return { acsRequested, enabledBeforeGrouping: false, cmdlineBeforeGrouping: false, cause: 'stable-regression', text: `${k} enables ACS in pci_dma_configure, after iommu_group formation (stable regression 6.12.75–6.12.77, backport 7a126c1b6cfa of c41e2fb67e26)` };
  const newest = since(kernel, GATES.acsAtDmaConfigure);
  if (newest)
    return { acsRequested, enabledBeforeGrouping: true, cmdlineBeforeGrouping: true, cause: 'dma-configure', text: `${k} enables ACS in pci_dma_configure before device_group` };
  if (firmwareType(host) === 'devicetree')
    return { acsRequested, enabledBeforeGrouping: false, cmdlineBeforeGrouping: true, cause: 'devicetree-late', text: `on device-tree platforms ${k} calls pci_request_acs only from of_iommu_configure, after the bridges were enumerated, so ACS keeps its firmware values (fixed in 7.0 by c41e2fb67e26)` };
  return { acsRequested, enabledBeforeGrouping: true, cmdlineBeforeGrouping: true, cause: 'enumeration', text: `${k} enables ACS at enumeration (pci_acs_init), after IOMMU detection requested it` };
}

/** ACS values one device presents to `pci_acs_flags_enabled` at group time. */
export interface EffectiveAcs {
  /** Advertised Capability bits (after GRP-ACS-07 editing on ≥ 7.0). */
  cap: number;
  /** Control value at group formation. */
  ctl: number;
  /** Firmware Control value the computation started from. */
  firmwareCtl: number;
  /** What changed it, in order, e.g. "kernel enabled SV, RR, CR, UF (pci_std_enable_acs)". */
  steps: string[];
  /** Kernel log lines (verbatim strings from the reference). */
  log: string[];
}

/** Inputs for {@link effectiveAcs}. */
export interface EffectiveAcsEnv {
  topo: HostTopology;
  kernel: KernelVersion | undefined;
  timing: AcsTiming;
  /** `parsePciAcsOptions(topo.host.cmdline)`, when the caller parsed it once for all devices; else parsed here. */
  pciOptions?: PciAcsOptions;
}

/**
 * GRP-ACS-05 / GRP-ACS-07 / GRP-CMD-01/02: compute one device's effective ACS. Returns `null` when the device has no
 * ACS capability (`acs` null) or its ACS state is unknown (`acs` undefined; callers record that separately).
 *
 * The starting value is `acs.firmwareCtl`, else `acs.ctl` (applying the kernel steps to an already-booted value is
 * idempotent). For Intel SPT/UPT ports `acs.ctl` is what lspci misreads (CFG-ACS-03), so it is ignored and the
 * start is `firmwareCtl ?? 0`; their enable hook ORs SV/RR/CR/UF into the real (dword) Control register.
 * Command line: ≤ 6.10 `disable_acs_redir` clears RR/CR/EC from the current value; ≥ 6.11 both parameters are
 * computed from the firmware value (`(fw & ~mask) | (flags & mask)`), config_acs last and winning. ≥ 6.11 edits
 * go to the 16-bit word at cap+6, which is not the SPT/UPT Control register, so they do not affect those ports
 * (inferred from the register layout). Source: drivers/pci/pci.c:pci_enable_acs, pci_std_enable_acs,
 * __pci_config_acs (≥ 6.11), pci_disable_acs_redir (≤ 6.10); quirks.c:pci_quirk_enable_intel_spt_pch_acs,
 * pci_quirk_disable_intel_spt_pch_acs_redir, pci_disable_broken_acs_cap (≥ 7.0).
 */
export function effectiveAcs(d: PciDevice, env: EffectiveAcsEnv): EffectiveAcs | null {
  if (!d.acs) return null;
  const { topo, kernel, timing } = env;
  const host = topo.host;
  const spt = isIntelSptPchPort(d);
  let cap = d.acs.cap & 0x7f;
  const steps: string[] = [];
  const log: string[] = [];
  if (since(kernel, GATES.idtBrokenAcsSv) && d.vendorId === 0x111d && (d.deviceId === 0x80b5 || d.deviceId === 0x8090) && cap & ACS.SV) {
    cap &= ~ACS.SV;
    steps.push('SV removed from the advertised capability (pci_disable_broken_acs_cap, IDT switch)');
    log.push('Disabling broken ACS SV; downstream device isolation reduced');
  }
  const fw = (spt ? d.acs.firmwareCtl ?? 0 : d.acs.firmwareCtl ?? d.acs.ctl) & 0x7f;
  let ctl = fw;
  const opts = env.pciOptions ?? parsePciAcsOptions(host.cmdline);
  if (timing.enabledBeforeGrouping && !isIntelPchAcsPort(d)) {
    let add = cap & STD_ENABLE;
    if (opts.noats || d.untrusted) add |= cap & ACS.TB;
    if (add & ~ctl) steps.push(`kernel enabled ${acsFlagNames(add & ~ctl)} (${spt ? 'pci_quirk_enable_intel_spt_pch_acs' : 'pci_std_enable_acs'})`);
    ctl |= add;
    if (spt) log.push('Intel SPT PCH root port ACS workaround enabled');
  }
  if (timing.cmdlineBeforeGrouping) {
    const modern = since(kernel, GATES.acsCmdlineFromFirmware);
    if (!modern && opts.disableAcsRedir !== undefined && scanAcsParam(topo, d, opts.disableAcsRedir, false).kind === 'match') {
      ctl &= ~REDIR;
      steps.push('pci=disable_acs_redir cleared RR, CR, EC');
      log.push(spt ? 'Intel SPT PCH root port workaround: disabled ACS redirect' : 'disabled ACS redirect');
    }
    if (modern && !spt) {
      if (opts.disableAcsRedir !== undefined && scanAcsParam(topo, d, opts.disableAcsRedir, false).kind === 'match') {
        ctl = fw & ~REDIR;
        steps.push(`pci=disable_acs_redir set ACS Control to ${hex4(ctl)} (firmware value without RR, CR, EC; kernel-enabled bits dropped)`);
        log.push(`Configured ACS to ${hex4(ctl)}`);
      }
      if (opts.configAcs !== undefined) {
        const m = scanAcsParam(topo, d, opts.configAcs, true);
        if (m.kind === 'match') {
          ctl = (fw & ~m.mask) | (m.flags & m.mask);
          steps.push(`pci=config_acs set ACS Control to ${hex4(ctl)} (firmware value with mask ${hex4(m.mask)} forced to ${hex4(m.flags)})`);
          log.push(`Configured ACS to ${hex4(ctl)}`);
        } else if (m.kind === 'error') log.push(m.message);
      }
    }
  }
  return { cap, ctl, firmwareCtl: fw, steps, log };
}

