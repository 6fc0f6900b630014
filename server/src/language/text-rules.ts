/**
 * Metadata of the text-level diagnostics the language server itself emits (not kernel behaviour), in the
 * same shape as the simulator's rules so the README table and SARIF list them together.
 */
import type { RuleMeta } from '../../../src-core/src/findings.js';

const none = [{ rule: '—', source: 'DSL syntax (no kernel behaviour)', versions: 'all' }];

export const TEXT_RULES: RuleMeta[] = [
  { code: 'SYN000', title: 'Syntax error', defaultSeverity: 'error', summary: 'The text does not parse. A mistyped keyword in a block names what the block may hold and the closest keyword (also when a value follows it, as in `drivr vfio-pci`, and for a block keyword such as `immu dmar0 {`, whose block is then read as meant); a missing value names the kind of value; an unclosed block or a stray `}` says so. Error recovery never closes a block at a mistyped word, so one typo gives one error.', kernel: none, fix: 'Replace a mistyped keyword with the suggested one.' },
  { code: 'REF001', title: 'Unknown reference', defaultSeverity: 'error', summary: 'A device (by name or BDF), host or IOMMU that is not declared where the reference looks (an `assign` looks in the VM\'s host, `iommu` in the device\'s host). Suggests the closest declared name.', kernel: none, fix: 'Replace with the suggested name.' },
  { code: 'SYN001', title: 'Malformed kernel version', defaultSeverity: 'error', summary: '`kernel` must be X.Y or X.Y.Z (e.g. 6.12, 6.12.75).', kernel: none },
  { code: 'SYN002', title: 'Unknown vocabulary value', defaultSeverity: 'error', summary: 'A driver, capability, MSI controller, backend, architecture, firmware kind, page-table format, ACS flag or device kind (`root-prot rp at …`: the device and its block still parse) that the simulator does not know. Suggests the closest known value.', kernel: none, fix: 'Replace with the suggested value.' },
  { code: 'SYN003', title: 'Simulation held back', defaultSeverity: 'info', summary: 'A host has an IOMMU whose `driver` is missing or unknown, an IOMMU capability, MSI controller or page-table format the simulator does not know, or a device of unknown kind (SYN002). Until it is fixed, the simulator\'s diagnostics for that host and its VMs are held back: with no known driver every device behind the unit would look untranslated, a mistyped `interrupt-remapping` would read as a missing one, and a mistyped bridge would be taken for an endpoint and regroup everything below it; each consequence would be reported, not the typo.', kernel: none, fix: 'Fix the IOMMU driver or the device kind (SYN002 suggests the closest one, as a quick fix).' },
  { code: 'SYN004', title: 'Malformed PCI ID', defaultSeverity: 'error', summary: '`id` takes the vendor and device ID as `vvvv:dddd` (and `subsystem` the subsystem IDs the same way): four hex digits on each side, as `lspci -nn` prints them. A malformed ID is left out of the simulation (read as a number it would name another device, e.g. on the vfio-pci denylist).', kernel: none },
  { code: 'BDF001', title: 'Malformed BDF', defaultSeverity: 'error', summary: 'A PCI address must be written as the kernel prints it: `DDDD:BB:DD.F` (hex, device ≤ 1f, function ≤ 7; the domain may be omitted).', kernel: [{ rule: 'SYSFS-PCI-01', source: 'drivers/pci/probe.c (dev_set_name "%04x:%02x:%02x.%d")', versions: 'all' }], fix: 'Rewrite in canonical form (e.g. `65:0.0` → `0000:65:00.0`).' },
  { code: 'IMP001', title: 'Import not found', defaultSeverity: 'error', summary: 'An `import` names a file that does not exist (paths are relative to the importing file).', kernel: none },
];
