import { GATES, since } from './kernel-gates.js';
import type { Host, Iommu } from './model.js';
import { isX86Host } from './arch.js';
import { cmdlineEntries, kstrtobool, lastOptionIn, x86IommuOptions, type CmdlineEntry } from './kernel-cmdline.js';
import type { KernelVersion } from './model.js';
import { DISABLE_DENYLIST_PARAM } from './vm/denylist.js';
import { IOMMUFD_UNSAFE_PARAM, TYPE1_UNSAFE_PARAM } from './vm/drivers.js';

/** The bool module parameters the simulator reads, by {@link moduleParamKey}. */
export const SIMULATED_BOOL_PARAMS: ReadonlySet<string> = new Set([TYPE1_UNSAFE_PARAM, IOMMUFD_UNSAFE_PARAM, DISABLE_DENYLIST_PARAM]);

/**
 * Whether `amd_iommu=pgtbl_v1|pgtbl_v2` reaches VFIO domains on `kernel`: from 6.14 (f9b80f941e0e removed
 * `domain_alloc()`, which forced v1 for unmanaged domains in 6.1–6.13); undefined = the assumed kernel (6.12), as
 * everywhere in the simulator.
 */
export function pgtblOptionRead(kernel: KernelVersion | undefined): boolean {
  return since(kernel, GATES.amdPgtblOption);
}

/**
 * Kernel command-line switches that turn IOMMU translation or interrupt remapping off, applied to a host
 * before simulation, and the command line's module parameters ({@link moduleParamsFromCmdline}) merged under the
 * host's `param` lines. Returns a new host (never mutates) and what was changed, for the BOOT rules.
 *
 * - `intel_iommu=off` disables DMA remapping on VT-d units: no iommu_groups. Interrupt remapping is set up
 *   independently and stays on (CAP-IR-01: `intel_prepare_irq_remapping` does not check `dmar_disabled`).
 * - `amd_iommu=off` stops the AMD driver before its IR setup: neither translation nor remapping.
 * - `iommu=off` (x86): no IOMMU at all (SYSFS-GRP-01 lists it as a cause of empty iommu_groups).
 * - `intremap=off` and `nointremap`: interrupt remapping disabled on Intel and AMD (CAP-IR-01).
 * - A later `intel_iommu=on` or `intremap=on` undoes an earlier off ({@link lastSwitches}).
 * - `amd_iommu=pgtbl_v1|pgtbl_v2` sets the page-table format of AMD units that declare none, from 6.14 (VFIO domains
 *   follow it only since then).
 * - `intel_iommu=sm_off` (from 5.15; the last of `sm_on` / `sm_off` winning) leaves every VT-d unit in legacy mode:
 *   `intel_iommu_sm = 0`, and `sm_supported(iommu)` is `intel_iommu_sm && ecap_smts(iommu->ecap)`, so a unit's
 *   `scalable-mode` does not count. `sm_on` only allows it where ECAP.SMTS says the hardware can, which the model states
 *   with `scalable-mode`.
 * Sources: drivers/iommu/intel/iommu.c:intel_iommu_setup, drivers/iommu/amd/init.c:parse_amd_iommu_options,
 * drivers/iommu/irq_remapping.c:setup_irqremap / setup_nointremap, arch/x86/kernel/pci-dma.c:iommu_setup.
 */
export interface BootParamEffect {
  param: string;
  iommuIds: string[];
  /** Offsets in `host.cmdline` of the parameter that decided it (its whole token), when there is one. */
  at?: { start: number; end: number };
  /**
   * `pgtable`: AMD units without a `pgtable` line take the page-table format the command line names;
   * `scalable-off`: VT-d units that declare `scalable-mode` run in legacy mode (`intel_iommu=sm_off`).
   */
  what: 'translation-off' | 'remapping-off' | 'pgtable' | 'scalable-off';
}

/**
 * Whether a command-line key names a module parameter (`module.param`, a `.` inside it): the `iommu.*` options are
 * core options of the IOMMU layer, not a module's.
 */
export function isModuleParamKey(key: string): boolean {
  const dot = key.indexOf('.');
  return dot > 0 && dot < key.length - 1 && !key.startsWith('iommu.');
}

/**
 * Whether a `key=` parameter has an option starting with `value` among its comma-separated options: the handlers
 * compare each option with `strncmp(str, "off", 3)` (`iommu_setup`, `parse_amd_iommu_options`).
 */
function hasOption(entries: readonly CmdlineEntry[], key: string, value: string): boolean {
  return firstWithOption(entries, key, value) !== undefined;
}

/** The first `key=` parameter with an option starting with `value` ({@link hasOption}), or undefined. */
function firstWithOption(entries: readonly CmdlineEntry[], key: string, value: string): CmdlineEntry | undefined {
  return entries.find((e) => !e.bare && e.key === key && (key === 'iommu' ? x86IommuOptions(e.value) : e.value.split(',')).some((o) => o.startsWith(value)));
}

/**
 * A module parameter's canonical key, as the kernel compares them (`kernel/params.c:parameq`: `-` and `_` are the
 * same character): `vfio-pci.disable_denylist` → `vfio_pci.disable_denylist`.
 */
export function moduleParamKey(key: string): string {
  return key.replace(/-/g, '_');
}

/**
 * Module parameters set on the kernel command line (`module.param=value`, or `module.param` alone, which sets a bool
 * parameter), by {@link moduleParamKey}; a later token wins. The kernel hands them to built-in modules at boot and
 * modprobe passes them to a module it loads later, so `vfio_iommu_type1.allow_unsafe_interrupts=1` on the command
 * line counts as the parameter. Sources: `kernel/params.c:parse_args, parameq`; kmod `modprobe` (reads
 * `/proc/cmdline`). Tokens without a `.` before any `=` (`iommu=pt`) and `iommu.*` core options (not a module) are
 * left out.
 */
export function moduleParamsFromCmdline(cmdline: string | undefined): Record<string, string> {
  return moduleParamsIn(cmdlineEntries(cmdline));
}

/**
 * {@link moduleParamsFromCmdline} over a command line already split. With `booted` given, the values of the bool
 * parameters the simulator reads ({@link SIMULATED_BOOL_PARAMS}) are read as `param_set_bool` reads them on
 * `booted.kernel` (`kstrtobool`, kernel-cmdline.ts; undefined = the assumed kernel) and kept as `Y` / `N`; one it
 * rejects changes nothing, so the parameter keeps its earlier value or its default (`param_set_bool` does not write on
 * an error; `kernel/params.c:parse_args` reports "`true' invalid for parameter …", and a module loaded with it fails).
 */
function moduleParamsIn(entries: readonly CmdlineEntry[], booted?: { kernel: KernelVersion | undefined }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!isModuleParamKey(e.key)) continue;
    const key = moduleParamKey(e.key);
    const value = e.bare ? 'Y' : e.value;
    if (!booted || !SIMULATED_BOOL_PARAMS.has(key)) {
      out[key] = value;
      continue;
    }
    const b = kstrtobool(value, booted.kernel);
    if (b !== undefined) out[key] = b ? 'Y' : 'N';
  }
  return out;
}

/**
 * `host.params` with the command line's module parameters under them (the `param` lines win: they are the values
 * read from `/sys/module/<module>/parameters/`, what the modules ended up with), and every key in
 * {@link moduleParamKey} form. The same object when nothing changes.
 */
function effectiveParams(host: Host, entries: readonly CmdlineEntry[], kernel: KernelVersion | undefined): Record<string, string> {
  const fromCmdline = moduleParamsIn(entries, { kernel });
  const own = Object.keys(host.params);
  if (!Object.keys(fromCmdline).length && own.every((k) => moduleParamKey(k) === k)) return host.params;
  const out = { ...fromCmdline };
  for (const k of own) out[moduleParamKey(k)] = host.params[k];
  return out;
}

/** The last word of a switch that later occurrences can undo: off or on, and the index of the entry that said it. */
export interface SwitchState {
  off: boolean;
  /** Index into {@link cmdlineEntries} of the parameter whose option decided. */
  index: number;
}

/**
 * What one option of `intel_iommu=` or `intremap=` switches: true for an option that starts with `off`, false for one
 * that starts with `on`, undefined for any other. By prefix, as the kernels' handlers compare (`strncmp(str, "on", 2)`,
 * `drivers/iommu/intel/iommu.c:intel_iommu_setup`, `drivers/iommu/irq_remapping.c:setup_irqremap`), so `onx` is `on`.
 */
export function switchesOff(option: string): boolean | undefined {
  return option.startsWith('on') ? false : option.startsWith('off') ? true : undefined;
}

/**
 * The x86 switches whose later options undo earlier ones, read in command-line order as the kernel's handlers read
 * them, each option by prefix (`strncmp`), the last one winning:
 * - `intel_iommu=` `on` / `off` (`drivers/iommu/intel/iommu.c:intel_iommu_setup`: `dmar_disabled = 0 / 1`);
 * - `intel_iommu=` `sm_on` / `sm_off` (the same handler: `intel_iommu_sm = 1 / 0`), as `sm` with `off` for sm_off;
 * - interrupt remapping: `intremap=` `on` / `off` and `nointremap` (`drivers/iommu/irq_remapping.c:setup_irqremap,
 *   setup_nointremap`: `disable_irq_remap = 0 / 1`).
 * Undefined when the line never says. (`amd_iommu=off` and `iommu=off` have no `on`: once said, they stay.)
 */
export function lastSwitches(entries: readonly CmdlineEntry[]): { intel?: SwitchState; sm?: SwitchState; remap?: SwitchState } {
  let intel: SwitchState | undefined;
  let sm: SwitchState | undefined;
  let remap: SwitchState | undefined;
  for (let index = 0; index < entries.length; index++) {
    const e = entries[index];
    if (e.key === 'nointremap') remap = { off: true, index };
    else if (!e.bare && (e.key === 'intel_iommu' || e.key === 'intremap')) {
      for (const o of e.value.split(',')) {
        if (e.key === 'intel_iommu' && (o.startsWith('sm_on') || o.startsWith('sm_off'))) {
          sm = { off: o.startsWith('sm_off'), index };
          continue;
        }
        const off = switchesOff(o);
        if (off === undefined) continue;
        if (e.key === 'intel_iommu') intel = { off, index };
        else remap = { off, index };
      }
    }
  }
  return { intel, sm, remap };
}

/** The effect of kind `what` that applies to unit `iommuId`, among a host's `effects` (`HostAnalysis.bootParams`), if any. */
export function bootEffectOn(effects: readonly BootParamEffect[] | undefined, what: BootParamEffect['what'], iommuId: string): BootParamEffect | undefined {
  return effects?.find((e) => e.what === what && e.iommuIds.includes(iommuId));
}

/** Whether `intel_iommu=sm_off` is an option of `kernel` (from 5.15, 792fb43ce2c9; undefined = the assumed kernel). */
export function smOffKnown(kernel: KernelVersion | undefined): boolean {
  return since(kernel, GATES.intelSmOff);
}

/**
 * `host0` as booted with its command line (see {@link BootParamEffect} for the switches read) and the effects, for the
 * BOOT rules and the hovers. `kernel` is the kernel the host runs as simulated: its declared one, else the
 * `defaultKernel` option (`--default-kernel`); the version-gated options (`amd_iommu=pgtbl_v*` from 6.14,
 * `intel_iommu=sm_off` from 5.15, `kstrtobool` spellings of module parameters) read it. Never throws; returns
 * `host0` itself when nothing changes.
 */
export function applyBootParams(host0: Host, kernel: KernelVersion | undefined = host0.kernel): { host: Host; effects: BootParamEffect[] } {
  // split once: the module parameters, the switches and the page-table option all read these
  const entries = cmdlineEntries(host0.cmdline);
  const params = effectiveParams(host0, entries, kernel);
  const host = params === host0.params ? host0 : { ...host0, params };
  const effects: BootParamEffect[] = [];
  const x86 = isX86Host(host);
  const span = (e: CmdlineEntry | undefined) => (e ? { start: e.start, end: e.end } : undefined);
  const off = (pred: (i: Iommu) => boolean, param: string, at: CmdlineEntry | undefined) => {
    const ids = host.iommus.filter(pred).map((i) => i.id);
    if (ids.length) effects.push({ param, iommuIds: ids, what: 'translation-off', at: span(at) });
  };
  const last = lastSwitches(entries);
  if (x86 && last.intel?.off) off((i) => i.driver === 'intel-vtd', 'intel_iommu=off', entries[last.intel.index]);
  // intel_iommu=igfx_off (intel_iommu_setup: dmar_map_gfx = 0, S-6.12/S-7.2; in S-5.15 the same flag): a graphics-only
  // DRHD is marked ignored, so the integrated GPU behind it gets no iommu_group (DOM-DEF-03). Its IDENTMAP_GFX side
  // effect on 5.15 (identity for graphics devices on other units) changes default domains only and is not modelled.
  if (x86 && !last.intel?.off && hasOption(entries, 'intel_iommu', 'igfx_off')) off((i) => i.driver === 'intel-vtd' && i.graphicsOnly === true, 'intel_iommu=igfx_off', firstWithOption(entries, 'intel_iommu', 'igfx_off'));
  // amd_iommu=off and iommu=off stay once said: the first one decides
  if (x86 && hasOption(entries, 'amd_iommu', 'off')) off((i) => i.driver === 'amd-vi', 'amd_iommu=off', firstWithOption(entries, 'amd_iommu', 'off'));
  if (x86 && hasOption(entries, 'iommu', 'off')) off((i) => i.driver === 'intel-vtd' || i.driver === 'amd-vi', 'iommu=off', firstWithOption(entries, 'iommu', 'off'));
  const noIr = last.remap?.off ? (entries[last.remap.index].key === 'nointremap' ? 'nointremap' : 'intremap=off') : undefined;
  const translationOff = new Set(effects.flatMap((e) => e.iommuIds));
  const amdOff = new Set(effects.filter((e) => e.param !== 'intel_iommu=off').flatMap((e) => e.iommuIds));
  const remapOff = new Set<string>();
  if (x86 && noIr) {
    const ids = host.iommus.filter((i) => i.driver === 'intel-vtd' || i.driver === 'amd-vi').map((i) => i.id);
    ids.forEach((id) => remapOff.add(id));
    if (ids.length) effects.push({ param: noIr, iommuIds: ids, what: 'remapping-off', at: span(entries[last.remap!.index]) });
  }
  // amd_iommu=pgtbl_v1 / pgtbl_v2 (parse_amd_iommu_options, the last one winning) for the units the file leaves open,
  // from 6.14 only: before it `amd_iommu_domain_alloc` forced v1 for IOMMU_DOMAIN_UNMANAGED ("Force IOMMU v1 page
  // table when allocating domain for pass-through devices", 6.1–6.13), so VFIO domains ignored the option, and before
  // 6.1 it did not exist; 6.14 removed domain_alloc() (f9b80f941e0e), after which VFIO domains take amd_iommu_pgtable.
  // Outside the reference (IOMMU-ENF-01 calls the question UNCONFIRMED); a stable backport (6.13.2) is not modelled.
  const pgtbl = x86 && pgtblOptionRead(kernel) ? lastOptionIn(entries, 'amd_iommu', ['pgtbl_v1', 'pgtbl_v2'] as const) : undefined;
  const pgtable = pgtbl === 'pgtbl_v1' ? 'v1' : pgtbl === 'pgtbl_v2' ? 'v2' : undefined;
  const pgtableIds = pgtable ? host.iommus.filter((i) => i.driver === 'amd-vi' && i.pgtable === undefined && !translationOff.has(i.id)).map((i) => i.id) : [];
  if (pgtableIds.length) effects.push({ param: `amd_iommu=${pgtbl}`, iommuIds: pgtableIds, what: 'pgtable' });
  // intel_iommu=sm_off (drivers/iommu/intel/iommu.c:intel_iommu_setup, `intel_iommu_sm = 0`; sm_supported()), an
  // option from 5.15 (792fb43ce2c9, which also made INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON default y): before it the
  // handler logs "Unknown option" and scalable mode stays as sm_on or the Kconfig default left it
  const smOff = x86 && smOffKnown(kernel) && last.sm?.off === true;
  const legacyIds = smOff ? host.iommus.filter((i) => i.driver === 'intel-vtd' && i.scalableMode === true && !translationOff.has(i.id)).map((i) => i.id) : [];
  if (legacyIds.length) effects.push({ param: 'intel_iommu=sm_off', iommuIds: legacyIds, what: 'scalable-off' });
  if (!effects.length) return { host, effects };
  const pgtableSet = new Set(pgtableIds);
  const legacySet = new Set(legacyIds);
  const iommus = host.iommus.map((i): Iommu => {
    let u = i;
    if (pgtableSet.has(i.id)) u = { ...u, pgtable };
    if (legacySet.has(i.id)) u = { ...u, scalableMode: false };
    if (translationOff.has(i.id)) u = { ...u, driver: 'none', translationOffDriver: i.driver };
    if (remapOff.has(i.id) || (amdOff.has(i.id) && i.driver === 'amd-vi')) u = { ...u, interruptRemapping: false, msi: u.msi === 'x86-ir' ? 'x86-vector' : u.msi };
    return u;
  });
  return { host: { ...host, iommus }, effects };
}
