/** Types of generate.mjs (plain ESM, also imported by tests). */

/** A generated host file: its text, PCI function count, line count and the names of its endpoints. */
export interface GeneratedTopology {
  text: string;
  devices: number;
  lines: number;
  endpoints: string[];
}

/** One host with about `devices` PCI functions (exactly `devices` or a few more) and `vms` VMs (default 4). */
export function generateTopology(devices: number, options?: { hostName?: string; vms?: number }): GeneratedTopology;

/** The generated host whose file is closest to `lines` lines. */
export function generateForLines(lines: number): GeneratedTopology;
