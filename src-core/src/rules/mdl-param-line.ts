import { effectiveKernel } from '../caps/platform.js';
import { GATES, since } from '../kernel-gates.js';
import { moduleParamKey, SIMULATED_BOOL_PARAMS } from '../boot-params.js';
import type { Finding, FixHint, RuleMeta } from '../findings.js';
import { kstrtobool } from '../kernel-cmdline.js';
import { formatKernel } from '../kernel-version.js';
import type { Host, KernelVersion } from '../model.js';
import { editDistance } from '../suggest.js';
import { IOMMUFD_UNSAFE_PARAM } from '../vm/drivers.js';
import type { Rule, RuleContext } from './rule.js';

/**
 * MDL008: a host's `param` line that cannot be what `/sys/module/<module>/parameters/` shows, so the simulator reads
 * it differently from what the line seems to say. Three cases, each on the line's name or value:
 * - a name one or two edits away from a parameter the simulator reads (`vfio_iommu_type1.allow_unsafe_interupts`,
 *   `vfio-pci.disable_denlist`), or a parameter the simulator reads given to another module
 *   (`vfio.allow_unsafe_interrupts`): the module has no such parameter, so the kernel ignores it
 *   (`kernel/module/main.c:unknown_module_param_cb`: "<module>: unknown parameter '<name>' ignored") and so does the
 *   simulator; a real parameter of those modules that the simulator does not read ({@link OTHER_PARAMS}) is never reported;
 * - a value of a parameter the simulator reads that `kstrtobool` rejects (`= maybe`): sysfs shows a bool parameter as
 *   `Y` or `N`, `param_set_bool` refuses the value (`kernel/params.c:parse_args`: "`maybe' invalid for parameter
 *   `allow_unsafe_interrupts'", and `modprobe` with it fails), and the simulator reads the parameter as off;
 * - `iommufd.allow_unsafe_interrupts` on a kernel before 6.2, which has no iommufd module (reference: module
 *   parameters, "iommufd.allow_unsafe_interrupts … 6.2+");
 * - a value of another real parameter of those modules ({@link OTHER_PARAM_TYPES}) that the kernel refuses: a bool
 *   that `kstrtobool` rejects, a uint that `kstrtouint` rejects (`param_set_uint`), or a `vfio_pci.ids` entry
 *   without vendor and device (`vfio_pci_fill_ids`: "invalid id string").
 */

/**
 * The other parameters of the modules whose parameters the simulator reads, which a `param` line may state without
 * effect on the simulation, with the type the kernel parses the value as: `drivers/vfio/vfio_iommu_type1.c`
 * (`module_param_named`: `disable_hugepages` bool, `dma_entry_limit` uint, default U16_MAX), `drivers/iommu/iommufd/`
 * and `drivers/vfio/pci/vfio_pci.c` (`module_param`, `module_param_string`; `disable_vga` with CONFIG_VFIO_PCI_VGA,
 * `enable_sriov` with CONFIG_PCI_IOV; `ids` is a string that `vfio_pci_fill_ids` reads at module load).
 */
export const OTHER_PARAM_TYPES: ReadonlyMap<string, 'bool' | 'uint' | 'pci-ids'> = new Map([
  ['vfio_iommu_type1.disable_hugepages', 'bool'],
  ['vfio_iommu_type1.dma_entry_limit', 'uint'],
  ['vfio_pci.ids', 'pci-ids'],
  ['vfio_pci.nointxmask', 'bool'],
  ['vfio_pci.disable_vga', 'bool'],
  ['vfio_pci.disable_idle_d3', 'bool'],
  ['vfio_pci.enable_sriov', 'bool'],
] as const);

/** The keys of {@link OTHER_PARAM_TYPES}: real parameters whose names are never reported. */
export const OTHER_PARAMS: ReadonlySet<string> = new Set(OTHER_PARAM_TYPES.keys());

/**
 * `kstrtouint(value, 0, …)` as `param_set_uint` calls it (lib/kstrtox.c): an optional `+`, then decimal, `0x` hex or
 * `0` octal, at most 2^32 − 1. Returns the number, or undefined when the kernel refuses the value (-EINVAL / -ERANGE).
 */
export function kstrtouint(value: string): number | undefined {
  const m = /^\+?(?:(0[xX][0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(value);
  if (!m) return undefined;
  const n = m[1] ? parseInt(m[1].slice(2), 16) : m[2] ? parseInt(m[2], 8) : parseInt(m[3], 10);
  return n <= 0xffffffff ? n : undefined;
}

/**
 * The entries of a `vfio_pci.ids` value that `vfio_pci_fill_ids` (drivers/vfio/pci/vfio_pci.c) skips with "invalid id
 * string": it splits the value at `,`, skips empty entries, and reads `%x:%x:%x:%x:%x:%x` with `sscanf`; fewer than
 * two fields (vendor and device) is invalid. Returns the invalid entries, in order (empty when all are usable).
 */
export function invalidPciIds(value: string): string[] {
  const out: string[] = [];
  for (const id of value.split(',')) {
    if (!id.length) continue;
    let fields = 0;
    let rest = id;
    for (;;) {
      const m = /^\s*(?:0[xX])?[0-9a-fA-F]+/.exec(rest);
      if (!m) break;
      fields++;
      rest = rest.slice(m[0].length);
      if (fields === 6 || !rest.startsWith(':')) break;
      rest = rest.slice(1);
    }
    if (fields < 2) out.push(id);
  }
  return out;
}

const meta: RuleMeta = {
  code: 'MDL008',
  title: 'Module parameter line the kernel would not have',
  defaultSeverity: 'warning',
  summary:
    "A host's `param` line names a parameter one or two edits away from one the simulator reads (`vfio_iommu_type1.allow_unsafe_interupts`), or one it reads on another module (`vfio.allow_unsafe_interrupts`): the module has no such parameter and the kernel ignores it (\"unknown parameter … ignored\"), and so does the simulator. Or the value of a parameter the simulator reads is not a boolean (`= maybe`): `param_set_bool` refuses it (\"`maybe' invalid for parameter …\"), sysfs shows `Y` or `N`, and the parameter is read as off. Or `iommufd.allow_unsafe_interrupts` on a kernel before 6.2, which has no iommufd. The names of the other real parameters of these modules (`disable_hugepages`, `dma_entry_limit`, `ids`, …) are not reported, but a value the kernel refuses is: a bool that `kstrtobool` rejects, a `dma_entry_limit` that is not an unsigned number, a `vfio_pci.ids` entry without vendor and device (\"invalid id string\").",
  kernel: [
    { rule: '—', source: 'kernel/module/main.c:unknown_module_param_cb ("unknown parameter \'%s\' ignored")', versions: 'all' },
    { rule: '—', source: 'kernel/params.c:parse_args, param_set_bool (kstrtobool; "`%s\' invalid for parameter `%s\'")', versions: 'all' },
    { rule: 'IOMMUFD-IR-01', source: 'drivers/iommu/iommufd/device.c: allow_unsafe_interrupts', versions: '≥ 6.2' },
    { rule: '—', source: 'kernel/params.c:param_set_uint (kstrtouint); drivers/vfio/pci/vfio_pci.c:vfio_pci_fill_ids ("invalid id string")', versions: 'all' },
  ],
  fix: 'Rename the parameter to the one suggested (quick fix; one per candidate when the name fits two modules).',
};

/**
 * The parameters the simulator reads that `key` (canonical, {@link moduleParamKey}) probably meant, closest first:
 * those within two edits (ignoring case), else those of the same name on another module. Empty when `key` is one of them
 * or a real other parameter ({@link OTHER_PARAMS}). `iommufd.allow_unsafe_interrupts` only from 6.2 (`kernel`
 * undefined = the newest).
 */
export function meantParams(key: string, kernel?: KernelVersion): string[] {
  if (SIMULATED_BOOL_PARAMS.has(key) || OTHER_PARAMS.has(key)) return [];
  const lower = key.toLowerCase();
  const dot = key.indexOf('.');
  const param = dot >= 0 ? key.slice(dot + 1) : key;
  const near: { key: string; d: number }[] = [];
  const sameName: { key: string; d: number }[] = [];
  for (const k of SIMULATED_BOOL_PARAMS) {
    if (k === IOMMUFD_UNSAFE_PARAM && kernel && !since(kernel, GATES.iommufd)) continue;
    const d = editDistance(lower, k);
    if (d <= 2) near.push({ key: k, d });
    // the same parameter name on another module (`vfio.allow_unsafe_interrupts`): any of the modules that have it
    else if (k.slice(k.indexOf('.') + 1) === param) sameName.push({ key: k, d });
  }
  // a typo (`vfio_iommu_typ1.`) is what it is closest to, not every module with that parameter name
  return (near.length ? near : sameName).sort((a, b) => a.d - b.d).map((o) => o.key);
}

/** MDL008 findings of one host's `param` lines (`host` as declared; `kernel`: its kernel, or the default kernel). */
function paramFindings(host: Host, kernel: KernelVersion | undefined): Finding[] {
  const out: Finding[] = [];
  const finding = (name: string, part: 'name' | 'value', message: string, explanation: string, fixes?: FixHint[]): Finding => ({
    code: meta.code,
    severity: meta.defaultSeverity,
    message: `host ${host.name}: ${message}`,
    explanation,
    elementId: host.id,
    related: [],
    kernel: meta.kernel,
    span: { property: 'param', name, part },
    ...(fixes?.length ? { fixes } : {}),
  });
  for (const name of Object.keys(host.params)) {
    const key = moduleParamKey(name);
    const value = host.params[name].trim();
    if (SIMULATED_BOOL_PARAMS.has(key)) {
      if (kstrtobool(value) === undefined) {
        out.push(
          finding(
            name,
            'value',
            `'${value}' is not a boolean, so ${key} reads as off`,
            `A \`param\` line is the value \`/sys/module/…/parameters/\` shows, and sysfs shows a bool parameter as \`Y\` or \`N\`. The kernel's \`param_set_bool\` takes only what \`kstrtobool\` accepts (1/0, y/n, on/off, true/false): \`modprobe ${key.replace('.', ' ')}=${value}\` fails with "\`${value}' invalid for parameter \`${key.slice(key.indexOf('.') + 1)}'", and writing it to sysfs fails with -EINVAL, leaving the default (off). The simulator reads the parameter as off.`,
          ),
        );
      } else if (key === IOMMUFD_UNSAFE_PARAM && kernel && !since(kernel, GATES.iommufd)) {
        out.push(finding(name, 'name', `${key} does not exist on ${formatKernel(kernel)}: iommufd came in 6.2`, `Kernels before 6.2 have no iommufd module, so there is no \`/sys/module/iommufd/\` and nothing reads this parameter; VFIO goes through the type1 container, where \`vfio_iommu_type1.allow_unsafe_interrupts\` applies. The line changes nothing in the simulation.`));
      }
      continue;
    }
    const type = OTHER_PARAM_TYPES.get(key);
    if (type) {
      const param = key.slice(key.indexOf('.') + 1);
      if (type === 'bool' && kstrtobool(value) === undefined) {
        out.push(finding(name, 'value', `'${value}' is not a boolean: the kernel refuses it for ${key}`, `\`param_set_bool\` takes only what \`kstrtobool\` accepts (1/0, y/n, on/off, true/false): \`modprobe ${key.replace('.', ' ')}=${value}\` fails with "\`${value}' invalid for parameter \`${param}'", and writing it to sysfs fails with -EINVAL, leaving the default. The simulator does not read this parameter.`));
      } else if (type === 'uint' && kstrtouint(value) === undefined) {
        out.push(finding(name, 'value', `'${value}' is not an unsigned number: the kernel refuses it for ${key}`, `\`param_set_uint\` reads the value with \`kstrtouint\` (decimal, \`0x\` hex or \`0\` octal, at most 4294967295): \`modprobe ${key.replace('.', ' ')}=${value}\` fails with "\`${value}' invalid for parameter \`${param}'", leaving the default${key === 'vfio_iommu_type1.dma_entry_limit' ? ' (65535 DMA mappings per container)' : ''}. The simulator does not read this parameter.`));
      } else if (type === 'pci-ids') {
        const bad = invalidPciIds(value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
        if (bad.length) {
          out.push(finding(name, 'value', `${bad.map((b) => `'${b}'`).join(', ')} ${bad.length > 1 ? 'are not PCI IDs' : 'is not a PCI ID'}: vfio-pci skips ${bad.length > 1 ? 'them' : 'it'} ("invalid id string")`, `\`vfio_pci_fill_ids\` splits \`ids\` at commas and reads each entry as \`vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]\` in hex (\`sscanf\` \`%x:%x:…\`); an entry without both vendor and device is skipped with "vfio_pci: invalid id string", so vfio-pci does not claim those devices at load. Write it like \`10de:1b80\`. The simulator does not read this parameter: each device's \`driver\` line says what it is bound to.`));
        }
      }
      continue;
    }
    const meant = meantParams(key, kernel);
    if (!meant.length) continue;
    const module = key.slice(0, Math.max(0, key.indexOf('.')));
    out.push(
      finding(
        name,
        'name',
        `${module ? `${module} has no parameter '${key.slice(module.length + 1)}'` : `'${key}' is not a module parameter`}; did you mean ${meant.map((m) => `'${m}'`).join(' or ')}?`,
        `${module ? `A module ignores a parameter it does not have: the kernel logs "${module}: unknown parameter '${key.slice(module.length + 1)}' ignored" and loads the module without it.` : 'A module parameter is written `module.param`.'} The simulator ignores the line too, so ${meant.map((m) => `\`${m}\``).join(' and ')} keeps its default (off). \`-\` and \`_\` are the same in a parameter name; letters must match exactly.`,
        meant.map((to) => ({ kind: 'rename-param', hostId: host.id, param: name, to }) satisfies FixHint),
      ),
    );
  }
  return out;
}

export const paramLineRule: Rule = {
  meta,
  check(ctx: RuleContext) {
    const out: Finding[] = [];
    for (const h of ctx.topology.hosts) {
      const declared = ctx.declaredHost?.(h.id) ?? h;
      if (Object.keys(declared.params).length) out.push(...paramFindings(declared, effectiveKernel(declared.kernel ?? ctx.options.defaultKernel)));
    }
    return out;
  },
};
