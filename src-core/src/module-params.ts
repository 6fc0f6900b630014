/**
 * What a host's `param` line does in the simulation (for hovers and reports): the module parameters the simulator
 * reads, what each changes, its rule and kernel source. The parameters themselves are read where they act
 * (`vm/type1.ts`, `vm/iommufd.ts`, `vm/denylist.ts`, through `boolParam`); this module only names them.
 */
import { moduleParamKey, SIMULATED_BOOL_PARAMS } from './boot-params.js';
import { cmdlineEntries, kstrtobool } from './kernel-cmdline.js';
import type { Host } from './model.js';
import { meantParams } from './rules/mdl-param-line.js';
import { DISABLE_DENYLIST_PARAM } from './vm/denylist.js';
import { IOMMUFD_UNSAFE_PARAM, isTrueParamValue, TYPE1_UNSAFE_PARAM } from './vm/drivers.js';

/** One module parameter the simulator reads. */
export interface ModuleParamDoc {
  /** Canonical key (`module.param`, `_` for `-`, {@link moduleParamKey}). */
  key: string;
  /** One line for completion lists. */
  summary: string;
  /** What the kernel does when it is on (one sentence). */
  on: string;
  /** What the kernel does when it is off, the default (one sentence). */
  off: string;
  /** Reference rules and the diagnostics it changes. */
  rules: string;
  /** Kernel source of the parameter and the check that reads it. */
  source: string;
}

/** The module parameters the simulator reads ({@link SIMULATED_BOOL_PARAMS}), by canonical key. */
export const MODULE_PARAM_DOCS: ReadonlyMap<string, ModuleParamDoc> = new Map(
  (
    [
      {
        key: TYPE1_UNSAFE_PARAM,
        summary: 'Let type1 attach groups without MSI isolation (VFIO-IR-01/02). Insecure: the guest can forge MSIs.',
        on: '`vfio_iommu_type1_attach_group` attaches a group whose MSIs are not isolated (no interrupt remapping / ITS), silently: a guest can then inject interrupts into the host',
        off: 'a group without isolated MSIs fails to attach with -EPERM ("No interrupt remapping support")',
        rules: 'VFIO-IR-01 (≤ 6.2) / VFIO-IR-02 (≥ 6.3); IR001 becomes IR002',
        source: 'drivers/vfio/vfio_iommu_type1.c: allow_unsafe_interrupts, vfio_iommu_type1_attach_group',
      },
      {
        key: IOMMUFD_UNSAFE_PARAM,
        summary: 'Same for iommufd (IOMMUFD-IR-01/02); the type1 parameter is ignored on iommufd paths.',
        on: 'iommufd binds or attaches a device without isolated MSIs and logs a warning per device: a guest can then inject interrupts into the host (6.2+; the type1 parameter does not reach iommufd)',
        off: 'a device without isolated MSIs is refused with -EPERM',
        rules: 'IOMMUFD-IR-01 (6.2–6.5) / IOMMUFD-IR-02 (≥ 6.6); IR003 becomes IR004',
        source: 'drivers/iommu/iommufd/device.c: allow_unsafe_interrupts, iommufd_device_setup_msi / iommufd_device_bind',
      },
      {
        key: DISABLE_DENYLIST_PARAM,
        summary: 'Allow vfio-pci to bind devices on its denylist (VFIO-PCI-01).',
        on: 'vfio-pci binds devices on its denylist (devices with errata a guest could exploit) and logs "device denylist disabled"',
        off: 'vfio-pci refuses a denylisted device: probe fails with -EINVAL',
        rules: 'VFIO-PCI-01 (≥ 5.9); VIA010 becomes VIA011',
        source: 'drivers/vfio/pci/vfio_pci.c: disable_denylist, vfio_pci_is_denylisted, vfio_pci_probe',
      },
    ] satisfies ModuleParamDoc[]
  ).map((d) => [d.key, d]),
);

/** What one `param` line of a host does in the simulation. */
export interface ParamLineEffect {
  /** Canonical key of the line's name. */
  key: string;
  /** The parameter is one the simulator reads. */
  read: boolean;
  /** The value as the simulator takes it (read parameters only). */
  value?: boolean;
  /** One or two sentences: what the line does, or why it changes nothing. */
  effect: string;
  doc?: ModuleParamDoc;
}

/**
 * What `host`'s `param name = value` line does, as the simulator reads it: a parameter of {@link MODULE_PARAM_DOCS} is
 * on when its value reads as true (`1`, `Y`, `on`, …; {@link isTrueParamValue}, as sysfs shows it), else off; a
 * value `kstrtobool` rejects is read as off and said so. The line wins over the same parameter on the kernel command
 * line (`module.param=` there), which is mentioned when the two disagree. Never throws.
 *
 * @param name the line's parameter name as written (`vfio-pci.disable_denylist` and `vfio_pci.disable_denylist` are
 *   the same parameter, `kernel/params.c:parameq`)
 * @param value the line's value as written (quotes removed)
 */
export function paramLineEffect(host: Host, name: string, value: string): ParamLineEffect {
  const key = moduleParamKey(name);
  const doc = MODULE_PARAM_DOCS.get(key);
  if (!doc || !SIMULATED_BOOL_PARAMS.has(key)) {
    const known = [...MODULE_PARAM_DOCS.keys()].map((k) => `\`${k}\``).join(', ');
    // a likely misspelling (MDL008) names what it was probably meant to be
    const meant = meantParams(key, host.kernel);
    const typo = meant.length ? ` Did you mean ${meant.map((m) => `\`${m}\``).join(' or ')}? As written, the module ignores it (MDL008).` : '';
    return { key, read: false, effect: `The simulator does not read \`${key}\`; it only models ${known}.${typo}` };
  }
  const v = value.trim();
  const on = isTrueParamValue(v);
  const parts = [on ? `On: ${doc.on}.` : `Off: ${doc.off}.`];
  if (!on && kstrtobool(v) === undefined) parts.push(`'${v}' is not a boolean (\`kstrtobool\`): read as off; \`modprobe\` with it fails ("\`${v}' invalid for parameter").`);
  // the same parameter on the command line, when it says otherwise: this line is what the module ended up with
  const fromCmdline = cmdlineEntries(host.cmdline).filter((e) => moduleParamKey(e.key) === key).pop();
  if (fromCmdline) {
    const cmd = kstrtobool(fromCmdline.bare ? 'Y' : fromCmdline.value, host.kernel);
    if (cmd !== on) parts.push(`The command line's \`${fromCmdline.token}\` says otherwise; this line is what the module ended up with and wins.`);
  }
  return { key, read: true, value: on, effect: parts.join(' '), doc };
}
