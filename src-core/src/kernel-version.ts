import type { KernelVersion } from './model.js';

/**
 * Kernel assumed when a host declares none and no `defaultKernel` option is set (reported by KVER000):
 * 6.12, the newest long-term series the reference read in source (S-6.12).
 */
export const ASSUMED_KERNEL: KernelVersion = { major: 6, minor: 12 };

/**
 * Parse `X.Y` or `X.Y.Z` (an optional `-suffix` such as `-fc-v782` or `-rc3` is ignored).
 * Returns undefined for anything else; never throws.
 * "7.x" follows 6.19 (see ../shared/reference/kernel-rules-vfio-kvm.md §0.1).
 */
export function parseKernelVersion(text: string): KernelVersion | undefined {
  const m = /^\s*(\d{1,2})\.(\d{1,3})(?:\.(\d{1,4}))?(?:[-+~][\w.+~-]*)?\s*$/.exec(text);
  if (!m) return undefined;
  const v: KernelVersion = { major: Number(m[1]), minor: Number(m[2]) };
  if (m[3] !== undefined) v.patch = Number(m[3]);
  return v;
}

/** Compare two versions; a missing patch compares as 0. Returns <0, 0, >0. */
export function compareKernel(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
}

/** True iff `v` ≥ `major.minor[.patch]`. */
export function atLeast(v: KernelVersion, major: number, minor: number, patch = 0): boolean {
  return compareKernel(v, { major, minor, patch }) >= 0;
}

/** True iff `v` is in [from, to] by mainline release (X.Y), ignoring the patch level. */
export function inMainlineRange(v: KernelVersion, from: [number, number], to: [number, number]): boolean {
  const x = { major: v.major, minor: v.minor };
  return compareKernel(x, { major: from[0], minor: from[1] }) >= 0 && compareKernel(x, { major: to[0], minor: to[1] }) <= 0;
}

export function formatKernel(v: KernelVersion): string {
  return v.patch === undefined ? `${v.major}.${v.minor}` : `${v.major}.${v.minor}.${v.patch}`;
}
