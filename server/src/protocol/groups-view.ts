/**
 * Wire format of the `iommu/groups` request (language server → the client's IOMMU Groups view). Types and the method
 * name only: the client imports this file (the one server file it may), the server answers it in
 * `server/src/lsp/groups-view.ts`. Positions are LSP's (zero-based line and UTF-16 character).
 */
import type { Location } from 'vscode-languageserver-types';

/** Method name of the request: params {@link GroupsViewParams}, result {@link GroupsView} or `null` (not a topology file). */
export const GROUPS_REQUEST = 'iommu/groups';

export interface GroupsViewParams {
  /** The document's URI as the client knows it. */
  uri: string;
}

/** A simulator finding on a device, as the view lists it (severity after `iommu.severityOverrides`). */
export interface GroupsViewProblem {
  code: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
}

export interface GroupsViewDevice {
  name: string;
  /** `0000:65:00.0`. */
  bdf: string;
  /** Device kind as written (`endpoint`, `root-port`, …). */
  kind: string;
  /** Bound driver: a name, `null` for `driver none` (unbound), undefined if the file does not say. */
  driver?: string | null;
  /** Names of the VMs that assign the device, in file order. */
  vms: string[];
  /** Why the device is in its group (or has none), as the simulator explains it. */
  reason: string;
  /** The device's name in the file it is declared in (undefined if it cannot be placed). */
  location?: Location;
  problems: GroupsViewProblem[];
}

export interface GroupsViewGroup {
  /** Expected group number (IDA order, GRP-ORD-01). */
  number: number;
  /** Name of the IOMMU unit that translates the group. */
  iommu?: string;
  /** Predicted default domain, `/sys/kernel/iommu_groups/<N>/type` (`DMA`, `DMA-FQ`, `identity`; DOM-TYPE-01). */
  domainType?: string;
  /** Why the group has that default domain (sentences naming the reference rules). */
  domainWhy?: string;
  /** Members in probe order. */
  devices: GroupsViewDevice[];
}

export interface GroupsViewHost {
  name: string;
  /** `6.12`; undefined when neither the host nor `iommu.defaultKernel` gives one. */
  kernel?: string;
  location?: Location;
  /** Set when the host's simulation is held back (SYN003): what it waits for. Its devices then list no problems. */
  heldBack?: string;
  groups: GroupsViewGroup[];
  /** Devices without an iommu_group (no IOMMU translates them), in probe order. */
  ungrouped: GroupsViewDevice[];
}

export interface GroupsView {
  uri: string;
  /** The document version the view was computed from. */
  version: number;
  hosts: GroupsViewHost[];
}
