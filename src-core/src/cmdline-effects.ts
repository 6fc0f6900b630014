/**
 * What the simulator reads from a host's kernel command line, token by token: for hovers ("which of my boot options
 * matter here?") and reports. The effects themselves are applied where they belong (`boot-params.ts`,
 * `groups/cmdline.ts`, `groups/default-domain.ts`); this module only names them, with the reference rule of each.
 */
import { applyBootParams, isModuleParamKey, lastSwitches, moduleParamKey, pgtblOptionRead, SIMULATED_BOOL_PARAMS, smOffKnown, switchesOff } from './boot-params.js';
import { cmdlineEntries, kstrtobool, x86IommuOptions } from './kernel-cmdline.js';
import { isTrueParamValue } from './vm/drivers.js';
import type { Host, KernelVersion } from './model.js';
import { hostArch, isX86Host } from './arch.js';
import { formatKernel } from './kernel-version.js';

/** One command-line token and what it does in the simulation; `read` false = the simulator ignores it. */
export interface CmdlineEffect {
  token: string;
  read: boolean;
  /** One sentence; for an ignored token, why (unknown to the model, or needs another input). */
  effect: string;
}


/** "this kernel (6.12)", or "the kernel" when none is declared (read as the newest), for messages about what it accepts. */
function kernelName(host: Host): string {
  return host.kernel ? `this kernel (${formatKernel(host.kernel)})` : 'the kernel';
}

/** "; `t…` / `f…` from 5.19" when `value` starts with a letter `kstrtobool` takes only on later kernels, else "". */
function boolSince(value: string): string {
  const c = value[0]?.toLowerCase();
  if (c === 't' || c === 'f') return '; `t…` / `f…` from 5.19';
  if (c === 'e' || c === 'd') return '; `e…` / `d…` from 6.16';
  return '';
}

/**
 * Effects of the comma-separated options of `key=` (`intel_iommu=on,sm_on`), known options only, each matched by prefix
 * as the handlers' `strncmp` matches them; undefined if none.
 */
function options(value: string, known: Record<string, string>): string | undefined {
  const out: string[] = [];
  for (const o of value.split(',')) {
    const k = Object.keys(known).find((name) => o.startsWith(name));
    if (k) out.push(known[k]);
  }
  return out.length ? out.join('; ') : undefined;
}

/**
 * Every token of `host.cmdline` (up to `--`) in order, with what the simulator does with it. Never throws.
 *
 * Read: `intel_iommu=off|strict`, `amd_iommu=off|fullflush`, `iommu=off|pt|nopt` (x86), `intremap=off`, `nointremap`
 * (BOOT001/BOOT002, CAP-IR-01, DOM-DEF-01), `iommu.passthrough=`, `iommu.strict=` (DOM-DEF-01), `pci=config_acs=`,
 * `pci=disable_acs_redir=` (GRP-CMD-01/02), `pcie_acs_override=` with the out-of-tree patch (GRP-CMD-03) and the
 * module parameters the simulator uses (`vfio_iommu_type1.allow_unsafe_interrupts`, `iommufd.allow_unsafe_interrupts`,
 * `vfio_pci.disable_denylist`; a `param` line of the host that disagrees wins).
 *
 * @param kernel the kernel the host is simulated with: its `kernel` line, else the default kernel (`--default-kernel`,
 *   `iommu.defaultKernel`), as `simulate()` takes it; what some tokens do depends on it (`amd_iommu=pgtbl_v2` from 6.14,
 *   `kstrtobool`'s spellings, `intel_iommu=sm_off` from 5.15).
 */
export function cmdlineEffects(host0: Host, kernel: KernelVersion | undefined = host0.kernel): CmdlineEffect[] {
  const host = kernel === host0.kernel ? host0 : { ...host0, kernel };
  const out: CmdlineEffect[] = [];
  const x86 = isX86Host(host);
  const params = new Map(Object.keys(host.params).map((k) => [moduleParamKey(k), host.params[k]]));
  const entries = cmdlineEntries(host.cmdline);
  const last = lastSwitches(entries);
  let bootedHost: ReturnType<typeof applyBootParams> | undefined;
  /** The host as booted with this command line (boot-params.ts), made when first asked. */
  const booted = () => (bootedHost ??= applyBootParams(host));
  for (let index = 0; index < entries.length; index++) {
    const { token, key, value, bare } = entries[index];
    const read = (effect: string) => out.push({ token, read: true, effect });
    const ignored = (effect: string) => out.push({ token, read: false, effect });
    const onX86 = (effect: string | undefined) => (!effect ? ignored('none of its options changes the simulation') : x86 ? read(effect) : ignored(`an x86 option; this host is ${hostArch(host)}`));
    if (key === 'intel_iommu' && !x86) ignored(`an x86 option; this host is ${hostArch(host)}`);
    else if (key === 'intel_iommu') {
      const known: Record<string, string> = { on: 'VT-d on, as the model takes every declared intel-vtd unit (without it a kernel built with INTEL_IOMMU_DEFAULT_ON=n leaves VT-d off)', off: 'DMA remapping off on every VT-d unit: their devices get no iommu_group (BOOT001)', strict: 'strict IOTLB invalidation, deprecated spelling of iommu.strict=1 (DOM-DEF-01)', igfx_off: host.iommus.some((u) => u.driver === 'intel-vtd' && u.graphicsOnly) ? 'graphics-only DMAR units are ignored: the integrated GPU behind them gets no iommu_group (BOOT001, DOM-DEF-03)' : 'graphics-only DMAR units are ignored (DOM-DEF-03); no unit here is declared `graphics-only`, so nothing changes' };
      // sm_on / sm_off: the last one decides (intel_iommu_sm); only sm_off changes the model (boot-params.ts)
      const smAt = last.sm?.index ?? -1;
      const hasSm = value.split(',').some((o) => o.startsWith('sm_on') || o.startsWith('sm_off'));
      const sm = smAt === index ? (last.sm!.off ? 'sm_off' : 'sm_on') : undefined;
      // what the simulation does with it, from the same place (boot-params.ts): only a `scalable-off` effect counts
      const smApplied = sm === 'sm_off' && booted().effects.some((e) => e.what === 'scalable-off');
      /** What this token's sm_off changes, when it is the deciding one (read). */
      const smEffect = smApplied ? 'scalable mode off: VT-d units run in legacy mode and their `scalable-mode` does not count (IOMMU_CACHE up to 5.18, caching-mode strictness)' : undefined;
      /** What this token's sm_on / sm_off says without changing the model: undone by a later one, or nothing to change. */
      const smNote =
        hasSm && smAt !== index
          ? `scalable mode is decided by the later \`${entries[smAt].token}\``
          : sm === 'sm_on'
            ? "sm_on allows scalable mode where ECAP.SMTS says the hardware can; the model takes that from a unit's `scalable-mode`"
            : sm === 'sm_off' && !smApplied
              ? !smOffKnown(host.kernel)
                ? `sm_off is an unknown option before 5.15 (792fb43ce2c9): scalable mode stays as sm_on or the kernel's configuration left it`
                : host.iommus.some((u) => u.driver === 'intel-vtd' && u.scalableMode)
                  ? 'sm_off: VT-d translation is off, so scalable mode changes nothing'
                  : 'sm_off: no VT-d unit here declares `scalable-mode`, so nothing changes'
              : undefined;
      // an on/off that a later intel_iommu= undoes (intel_iommu=off … intel_iommu=on): its other options still count
      const undone = x86 && last.intel !== undefined && last.intel.index !== index && value.split(',').some((o) => switchesOff(o) !== undefined);
      if (!undone) {
        // the deciding token itself (`intel_iommu=off,on`): only its last on/off counts
        const decidedHere = last.intel?.index === index ? (last.intel.off ? { off: known.off, strict: known.strict } : { on: known.on, strict: known.strict, igfx_off: known.igfx_off }) : known;
        const effect = [options(value, decidedHere), smEffect].filter(Boolean).join('; ');
        if (!effect && smNote && x86) ignored(smNote);
        else onX86([effect, effect ? smNote : undefined].filter(Boolean).join('; ') || undefined);
      } else {
        const note = `VT-d ${last.intel!.off ? 'off' : 'on'} is decided by the later \`${entries[last.intel!.index].token}\``;
        const rest = [options(value, { strict: known.strict, igfx_off: known.igfx_off }), smEffect].filter(Boolean).join('; ') || undefined;
        const notes = [note, smNote].filter(Boolean).join('; ');
        if (rest) read(`${rest}; ${notes}`);
        else ignored(notes);
      }
    } else if (key === 'amd_iommu') {
      // the page-table options reach VFIO domains from 6.14 only (boot-params.ts)
      const pgtblRead = pgtblOptionRead(host.kernel);
      const known: Record<string, string> = {
        off: 'the AMD IOMMU driver stops before translation and interrupt remapping (BOOT001)',
        fullflush: 'strict IOTLB invalidation, deprecated spelling of iommu.strict=1 (DOM-DEF-01)',
        ...(pgtblRead
          ? {
              pgtbl_v1: 'v1 page tables (Force-Coherent bit) for AMD units without a `pgtable` line (KVM002)',
              pgtbl_v2: 'v2 page tables (no Force-Coherent bit) for AMD units without a `pgtable` line (KVM002)',
            }
          : {}),
      };
      const effect = options(value, known);
      if (!effect && x86 && value.split(',').some((o) => o.startsWith('pgtbl_'))) ignored('VFIO domains use v1 page tables before 6.14, whatever amd_iommu=pgtbl_… says');
      else onX86(effect);
    } else if (key === 'iommu') {
      // iommu_setup returns at usedac: nothing after it is read
      onX86(options(x86IommuOptions(value).join(','), { off: 'no IOMMU: no iommu_groups (BOOT001)', nopt: 'translated default domains (DOM-DEF-01)', pt: 'identity (pass-through) default domains (DOM-DEF-01)' }));
    } else if (key === 'intremap' || key === 'nointremap') {
      const onOff = key === 'nointremap' || value.split(',').some((o) => switchesOff(o) !== undefined);
      const decided = last.remap;
      if (!onOff || !decided) ignored('only `intremap=off` / `on` and `nointremap` change the simulation');
      else if (!x86) ignored(`an x86 option; this host is ${hostArch(host)}`);
      else if (decided.index !== index) ignored(`interrupt remapping ${decided.off ? 'off' : 'on'} is decided by the later \`${entries[decided.index].token}\``);
      else if (decided.off) read('interrupt remapping off: MSIs are not isolated (BOOT002, CAP-IR-01)');
      else {
        const saysOff = (e: (typeof entries)[number]) => e.key === 'nointremap' || (e.key === 'intremap' && e.value.split(',').some((o) => switchesOff(o) === true));
        // an off before the deciding on, in an earlier token or in this one (`intremap=off,on`)
        const earlier = entries.slice(0, index).find(saysOff) ?? (saysOff(entries[index]) ? entries[index] : undefined);
        if (earlier === entries[index]) read('interrupt remapping stays on: its `on` undoes the `off` before it (CAP-IR-01)');
        else if (earlier) read(`interrupt remapping stays on: it undoes the earlier \`${earlier.token}\` (CAP-IR-01)`);
        else ignored('interrupt remapping on is the default');
      }
    } else if (key === 'iommu.passthrough' || key === 'iommu.strict') {
      const b = kstrtobool(value, host.kernel);
      if (b === undefined) ignored(`'${value}' is not a boolean for ${kernelName(host)} (kstrtobool${boolSince(value)}), so it changes nothing`);
      else if (key === 'iommu.passthrough') read(`${b ? 'pass-through (identity)' : 'translated'} default domains (DOM-DEF-01)`);
      else read(`${b ? 'strict' : 'lazy (flush queue)'} IOTLB invalidation of translated default domains (DOM-DEF-01)`);
    } else if (key === 'pci') {
      const e = options(value, { 'config_acs=': 'sets ACS Control bits of the devices it names before grouping (GRP-CMD-02)', 'disable_acs_redir=': 'clears ACS redirect bits of the devices it names (GRP-CMD-01)' });
      if (e) read(e);
      else ignored('none of its options changes the simulation');
    } else if (key === 'pcie_acs_override') {
      if (host.acsOverridePatch) read('the out-of-tree ACS override patch treats the named devices as isolating (GRP-CMD-03)');
      else ignored('mainline kernels have no pcie_acs_override; declare `acs-override-patch` if this kernel carries the patch (GRP-CMD-03)');
    } else if (isModuleParamKey(key)) {
      const k = moduleParamKey(key);
      const v = bare ? 'Y' : value;
      const own = params.get(k);
      const b = kstrtobool(v, host.kernel);
      if (!SIMULATED_BOOL_PARAMS.has(k)) ignored(`module parameter ${k}, which the simulator does not use`);
      else if (own !== undefined && (b === undefined || isTrueParamValue(own) !== b)) ignored(`module parameter ${k}; the host's \`param\` line (${own}) is what the module ended up with and wins`);
      else if (b === undefined)
        ignored(`'${v}' is not a boolean for ${kernelName(host)} (kstrtobool${boolSince(v)}): ${k} keeps its default (off), and a module loaded with it fails to load ("\`${v}' invalid for parameter \`${k.slice(k.indexOf('.') + 1)}'")`);
      else read(`module parameter ${k} ${b ? 'on' : 'off'} (${v}; as a \`param\` line would set it)`);
    } else {
      ignored('not read by the simulator');
    }
  }
  return out;
}
