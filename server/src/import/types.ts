/**
 * Shared types of the importer (`iommu-topo import`): the located error, warnings, and the intermediate host
 * description that the sysfs / capture / lspci readers produce and {@link ../printer.ts} turns into `.iommu` text.
 *
 * The intermediate is deliberately close to the DSL (not to `src-core/src/model.ts`): every field is either a
 * fact read from the source or `undefined` (unknown → the printer omits the line and, where useful, writes a `//`
 * comment saying why). Nothing here is guessed; inferred values carry a comment.
 */
import type { Bdf, IommuDriver, MsiController, PciKind } from '../../../src-core/src/model.js';

/**
 * A malformed or truncated input. `file` is the path (or a label such as `<stdin>`), `line` the 1-based line for
 * text inputs; `message` is the bare reason. `toString()`/`.message` give the located form
 * `file:line: reason` used by the CLI (`ImportError: lspci.txt:123: expected "Bus: primary=…"`).
 */
export class ImportError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly reason: string;
  constructor(file: string, line: number | undefined, reason: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
    this.name = 'ImportError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/**
 * A non-fatal problem: a fact that could not be read (e.g. config space truncated to 64 bytes without root,
 * SYSFS-PCI-02), an inconsistency, or a value the importer had to ignore (Sunrise Point ACSCtl, CFG-ACS-03).
 * `code` is stable for tests and tooling: `TRUNCATED_CONFIG`, `ACCESS_DENIED`, `SPT_ACSCTL`, `KIND_INFERRED`, ...
 */
export interface ImportWarning {
  code: string;
  message: string;
  /** Source file (or sysfs path) the warning is about. */
  file?: string;
  /** 1-based line for text inputs. */
  line?: number;
  /** Canonical BDF of the device concerned, when there is one. */
  bdf?: string;
}

/** Result of every importer entry point: the `.iommu` text (deterministic) and the warnings, in discovery order. */
export interface ImportResult {
  text: string;
  warnings: ImportWarning[];
  /** The intermediate host, for callers that want the facts (tests, the VS Code command's summary). */
  host: ImportedHost;
}

/** ACS as read: 7-bit masks (bit 0 SV … bit 6 DT, CFG-ACS-01). `ctl` undefined = Control not trustworthy/unknown. */
export interface ImportedAcs {
  cap: number;
  ctl?: number;
}

/** One PCI function as the printer needs it. */
export interface ImportedDevice {
  bdf: Bdf;
  kind: PciKind;
  /**
   * Canonical BDF of the bridge whose secondary bus this function is on, of its PF for a virtual function, or of
   * the VMD endpoint for a root port of a VMD domain; undefined = on a root bus of the host.
   */
  parent?: string;
  /** DSL identifier; assigned by {@link assignNames} when undefined. */
  name?: string;
  vendorId?: number;
  deviceId?: number;
  subsystemVendorId?: number;
  subsystemDeviceId?: number;
  /** 24-bit class code 0xCCSSPP. */
  classCode?: number;
  /** Header type bit 7 (function 0) or the kernel's fn>0 rule; undefined = unknown / derive. */
  multifunction?: boolean;
  /** null = ACS capability known to be absent; undefined = unknown (printer omits the `acs` line). */
  acs?: ImportedAcs | null;
  /** DevCtl bit 11 Enable No Snoop (CFG-DEVCTL-01); undefined = unknown. */
  noSnoop?: boolean;
  /** Bound driver; null = none bound; undefined = unknown. */
  driver?: string | null;
  /** Name of the IOMMU unit translating this device (sysfs `iommu` link), when known. */
  iommu?: string;
  /** iommu_group number on the real host (sysfs link or lspci `IOMMU group:`). */
  observedGroup?: number;
  /** Its group's default-domain type on the real host (`/sys/kernel/iommu_groups/<N>/type`), printed as `observed-domain`. */
  observedDomainType?: string;
  /** Secondary bus of a bridge. */
  secondaryBus?: number;
  /** Subordinate bus of a bridge (used for hierarchy checks only; the DSL has no field). */
  subordinateBus?: number;
  virtualFunction?: boolean;
  /** Its iommu_group has a `direct` reserved region (DOM-RESV-01): printed as `requires-direct-mapping`. */
  requiresDirectMapping?: boolean;
  /** `//` comment lines printed inside the device block (why a fact is missing, what was inferred). */
  comments: string[];
}

/** One IOMMU unit (CAP-SYSFS-01). */
export interface ImportedIommu {
  name: string;
  driver: IommuDriver;
  /** DSL capability names (`snoop-control`, `interrupt-remapping`, ...), in vocabulary order. */
  caps: string[];
  msi?: MsiController;
  pgtable?: 'v1' | 'v2';
  /** Raw Intel CAP_REG / ECAP_REG (CAP-VTD-01); printed as `cap 0x…` / `ecap 0x…`. */
  cap?: bigint;
  ecap?: bigint;
  comments: string[];
}

/** The whole imported host. */
export interface ImportedHost {
  name: string;
  /** `X.Y` or `X.Y.Z` as printed after `kernel`. */
  kernel?: string;
  arch?: 'x86_64' | 'arm64' | 's390x' | 'ppc64le' | 'riscv64';
  cmdline?: string;
  /** Module parameters printed as `param <module.name> = <value>`, in this order (values as sysfs shows them, `Y`/`N`). */
  params?: [string, string][];
  iommus: ImportedIommu[];
  devices: ImportedDevice[];
  /** Comment lines printed at the top of the host block (source, warnings summary, group types). */
  comments: string[];
  /** Comment lines printed before `host` (file header). */
  header: string[];
}
