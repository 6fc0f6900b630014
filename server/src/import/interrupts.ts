/**
 * `/proc/interrupts` → is interrupt remapping in use? (CAP-IR-01)
 *
 * A chip name starting with `IR-` means the vector goes through an interrupt-remapping domain:
 * - IO-APIC lines: `IR-IO-APIC` vs `IO-APIC`; HPET: `IR-HPET-MSI` vs `HPET-MSI`;
 * - PCI MSI/MSI-X: kernels ≤ 6.1 print `IR-PCI-MSI` for both (hwirq an encoded number, e.g. `524288-edge`);
 *   ≥ 6.12 print per-device domains `IR-PCI-MSI-<BDF>` / `IR-PCI-MSIX-<BDF>` (non-remapped: `PCI-MSI-<BDF>` /
 *   `PCI-MSIX-<BDF>`). The release where x86 switched is UNCONFIRMED (between 6.2 and 6.12).
 * `DMAR-MSI` / `AMD-Vi…` lines are the IOMMU's own fault interrupts and are not evidence either way.
 * The file is readable without root, which makes it the most robust runtime check.
 */
import { ImportError } from './types.js';

/** Per-line evidence kinds. */
export type IrEvidence = 'remapped' | 'not-remapped';

/** What `/proc/interrupts` says. */
export interface InterruptFacts {
  /** `enabled`: some vector is remapped; `disabled`: MSI/IO-APIC vectors exist and none is remapped; `unknown`: no evidence. */
  remapping: 'enabled' | 'disabled' | 'unknown';
  /** Number of lines with an `IR-` chip (IO-APIC, HPET-MSI, PCI-MSI[X]). */
  remappedLines: number;
  /** Number of lines with a non-remapped IO-APIC / HPET-MSI / PCI-MSI[X] chip. */
  plainLines: number;
  /** Per-device evidence from the ≥ 6.12 per-device chip names, keyed by canonical BDF (lower case). */
  perDevice: Map<string, IrEvidence>;
  /** Both kinds were seen (e.g. a remapped IO-APIC and non-remapped MSIs). */
  mixed: boolean;
  /** The per-device MSI naming (`PCI-MSIX-<BDF>`) was seen: a ≥ 6.12-style kernel (CAP-IR-01). */
  perDeviceNaming: boolean;
}

const REMAPPED = /(?:^|\s)IR-(IO-APIC|HPET-MSI|PCI-MSIX?)(?:-([0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]))?(?=\s|$)/;
const PLAIN = /(?:^|\s)(IO-APIC|HPET-MSI|PCI-MSIX?)(?:-([0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]))?(?=\s|$)/;

/**
 * Parse `/proc/interrupts` text.
 *
 * Format: a header line of CPU names (`CPU0 CPU1 …`), then one line per IRQ: `<irq>: <count per CPU> <chip>
 * <hwirq>-<type> <actions>`, or for architecture counters `<NAME>: <counts> <description>`.
 *
 * @param file label for errors (path or `<stdin>`).
 * @throws ImportError(file, line) when the header is missing or a line does not start with `<label>:`.
 */
export function parseProcInterrupts(text: string, file: string): InterruptFacts {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim().length > 0);
  if (first < 0) throw new ImportError(file, 1, 'empty file; expected /proc/interrupts (a "CPU0 CPU1 …" header line)');
  if (!/^\s*CPU\d+(\s+CPU\d+)*\s*$/.test(lines[first])) {
    throw new ImportError(file, first + 1, `expected the /proc/interrupts header "CPU0 CPU1 …", found '${lines[first].trim().slice(0, 60)}'`);
  }
  const facts: InterruptFacts = { remapping: 'unknown', remappedLines: 0, plainLines: 0, perDevice: new Map(), mixed: false, perDeviceNaming: false };
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim().length === 0) continue;
    const m = /^\s*([A-Za-z0-9_]+):(.*)$/.exec(line);
    if (!m) throw new ImportError(file, i + 1, `expected "<irq>: <counts> <chip> …", found '${line.trim().slice(0, 60)}'`);
    const rest = m[2];
    const r = REMAPPED.exec(rest);
    if (r) {
      facts.remappedLines++;
      if (r[2]) {
        facts.perDeviceNaming = true;
        facts.perDevice.set(r[2].toLowerCase(), 'remapped');
      }
      continue;
    }
    const p = PLAIN.exec(rest);
    if (p) {
      facts.plainLines++;
      if (p[2]) {
        facts.perDeviceNaming = true;
        const bdf = p[2].toLowerCase();
        if (!facts.perDevice.has(bdf)) facts.perDevice.set(bdf, 'not-remapped');
      }
    }
  }
  facts.mixed = facts.remappedLines > 0 && facts.plainLines > 0;
  facts.remapping = facts.remappedLines > 0 ? 'enabled' : facts.plainLines > 0 ? 'disabled' : 'unknown';
  return facts;
}
