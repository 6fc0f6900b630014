/**
 * What the simulator says: findings with stable codes, and the rule metadata the README rule table and the
 * language server are generated from.
 */

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A pointer into `../shared/reference/` plus the kernel source it cites. */
export interface KernelRef {
  /** Reference rule id, e.g. `VFIO-IR-02` or `GRP-ALG-01`. */
  rule: string;
  /** Kernel file and function, e.g. `drivers/vfio/vfio_iommu_type1.c:vfio_iommu_type1_attach_group`. */
  source: string;
  /** Version range the behaviour applies to, e.g. `≥ 6.3` or `5.19–6.1`. */
  versions: string;
  /** Commit id(s) or subject, when the reference gives one. */
  commit?: string;
}

/** What the kernel does at the failing step. */
export interface KernelOutcome {
  /** `EPERM`, `EINVAL`, ... (no minus sign). Undefined when nothing fails (e.g. silent corruption). */
  errno?: string;
  /** The ioctl / call that fails or misbehaves, e.g. `VFIO_GROUP_SET_CONTAINER`. */
  step?: string;
  /** Exact kernel log text, verbatim from the reference (may contain `%` placeholders already filled). */
  kernelMessage?: string;
}

/** Data a quick fix needs; the language server turns it into a text edit. Never contains source positions. */
export type FixHint =
  | { kind: 'set-param'; hostId: string; param: string; value: string; warning?: string }
  /** Rename the host's `param` line `param` (as written; the last one of that name) to `to`. */
  | { kind: 'rename-param'; hostId: string; param: string; to: string }
  | { kind: 'add-kvm-vfio'; vmId: string }
  /** Assign the devices to the VM: on its `assign` line, or attached in `hwpt` block `hwptId` when given (iommufd-cdev: the block the VM's device of their group is attached to, else HWPT001). */
  | { kind: 'assign-devices'; vmId: string; deviceIds: string[]; hwptId?: string }
  | { kind: 'unassign-device'; vmId: string; deviceId: string }
  | { kind: 'set-driver'; deviceId: string; driver: string | null }
  | { kind: 'set-backend'; vmId: string; backend: string }
  /** Set the VM's `kvm-vfio-add` line (added after its `kvm-vfio` line when absent). */
  | { kind: 'set-kvm-vfio-add'; vmId: string; order: 'after-container' | 'before-container' }
  | { kind: 'set-kernel'; hostId: string; version: string }
  /** Attach the device to a HWPT of its own: `coherent` says what it enforces; `instance`: it is behind another SMMU instance. */
  | { kind: 'separate-hwpt'; vmId: string; deviceId: string; coherent: boolean; instance?: boolean }
  /**
   * Attach the device where its iommu_group is: from HWPT `fromHwptId` (undefined: the device is in no `hwpt` block)
   * to HWPT `toHwptId`, or (undefined) to the VM's automatic domain via `assign`.
   */
  | { kind: 'move-to-hwpt'; vmId: string; deviceId: string; fromHwptId?: string; toHwptId?: string }
  | { kind: 'set-iommu-property'; iommuId: string; property: string; value: string }
  /** Replace `hwpt` block `hwptId` of the VM by its devices on the VM's `assign` line (what the simulation does already). */
  | { kind: 'hwpt-to-assign'; vmId: string; hwptId: string }
  /** Take the device out of `hwpt` block `hwptId` of the VM (the block goes when it is left empty). */
  | { kind: 'unlist-from-hwpt'; vmId: string; hwptId: string; deviceId: string }
  /** Take capabilities `caps` out of every `caps` line of the unit that lists them (a line left empty goes). */
  | { kind: 'remove-iommu-caps'; iommuId: string; caps: string[] }
  /** On the unit's `caps` line that lists capability `from` (the last such line), write capability `to` in its place. */
  | { kind: 'replace-iommu-cap'; iommuId: string; from: string; to: string }
  /** Declare which IOMMU unit translates the device and everything below it (`iommu <unit>` on it). */
  | { kind: 'set-device-iommu'; deviceId: string; iommuId: string }
  /** State `acs none` on the device: what the grouping assumed when its ACS capability was not recorded (GRP004). */
  | { kind: 'declare-no-acs'; deviceId: string }
  /** Replace the host's command line with `cmdline`, which no longer has `removed` (e.g. `intel_iommu=off`) and has `added` instead, if given. */
  | { kind: 'set-cmdline'; hostId: string; cmdline: string; removed: string; added?: string }
  /**
   * Several fixes as one quick fix, applied together, for when no single one clears the finding (e.g. removing
   * `intremap=off` from the command line and stating interrupt remapping on a unit whose hardware lacks it as well).
   * Its parts are never `all-of` themselves, and none has a `warning`.
   */
  | { kind: 'all-of'; fixes: FixHint[] };

export interface RelatedElement {
  /** Model element id. */
  id: string;
  /** Why it is related, shown as LSP relatedInformation, e.g. "VT-d unit without snoop control". */
  message: string;
}

export interface Finding {
  /** Stable code, e.g. `IR001`. See {@link RULES}. */
  code: string;
  severity: Severity;
  /** One line, names the elements and the errno. */
  message: string;
  /** Several sentences: why the kernel does this, what happens at run time. Markdown allowed. */
  explanation: string;
  /** The element the diagnostic is attached to (device, VM, IOMMU or host id). */
  elementId: string;
  /** Other elements involved (the IOMMU/bridge that causes it, the other VM, ...). */
  related: RelatedElement[];
  /**
   * The part of the element the finding is about, when it is narrower than the element: `cmdline`, offsets (UTF-16
   * code units, end exclusive) into the host's kernel command line of the deciding option (`intel_iommu=off`). Editors
   * underline that option instead of the host's name. `param`: the host's `param <name> = …` line (the last one with
   * that name as written, the one the simulation reads), its name or its value.
   */
  span?: { property: 'cmdline'; start: number; end: number } | { property: 'param'; name: string; part: 'name' | 'value' };
  /**
   * The VM whose start-up produced the finding (every finding made from a device's attach outcome), when the element
   * is a device: editors place it on that VM's `assign` of the device, not on another VM's that `related` may name.
   */
  vmId?: string;
  kernel: KernelRef[];
  outcome?: KernelOutcome;
  fixes?: FixHint[];
}

/** Static description of one rule code. */
export interface RuleMeta {
  code: string;
  title: string;
  defaultSeverity: Severity;
  /**
   * The rule's answer depends on IOMMU capabilities (interrupt remapping, snoop control, cache coherency,
   * pass-through): an editor holds it back for a unit whose capabilities are unknown (`caps unknown`).
   */
  readsCaps?: boolean;
  /** When a finding of this rule takes another severity, e.g. `info when a fixed kernel gives the same groups`. */
  severityNote?: string;
  /** One-paragraph summary for the README rule table and hovers. */
  summary: string;
  kernel: KernelRef[];
  /** Human description of the quick fix(es), if any. */
  fix?: string;
}
