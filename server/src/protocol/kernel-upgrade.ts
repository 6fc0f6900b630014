/**
 * Wire format of the `iommu/kernelUpgrade` request (client command "Preview Kernel Upgrade" → language server): the
 * topology of one document simulated on another kernel, compared with the simulation as written. Types and the method
 * name only; the server answers it in `server/src/lsp/kernel-upgrade.ts`.
 */

/** Method name: params {@link KernelUpgradeParams}, result {@link KernelUpgradeResult}, or `null` (not a topology file). */
export const KERNEL_UPGRADE_REQUEST = 'iommu/kernelUpgrade';

export interface KernelUpgradeParams {
  /** The document's URI as the client knows it. */
  uri: string;
  /** The target kernel, `X.Y` or `X.Y.Z`. */
  to: string;
}

/** The preview as Markdown, or why there is none (`error`: a malformed version, a document that does not parse). */
export type KernelUpgradeResult = { markdown: string; appeared: number; resolved: number } | { error: string };
