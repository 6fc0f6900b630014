/**
 * File-system errors as the CLI reports them: one line naming the path and what went wrong in words
 * (`examples/x.iommu: cannot read: permission denied`), never Node's `EACCES: permission denied, open '…'`.
 */

const READ_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

const WRITE_REASONS: Record<string, string> = {
  ...READ_REASONS,
  ENOENT: 'no such directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ETXTBSY: 'file is busy',
};

/**
 * Why `e` (an error thrown by `node:fs`) happened, in words: `permission denied`, `no such directory` (writing),
 * … Falls back to the error's message without Node's `CODE: ` prefix and `, open '…'` suffix.
 */
export function fsErrorReason(e: unknown, op: 'read' | 'write' = 'read'): string {
  const err = e as NodeJS.ErrnoException | undefined;
  const known = err?.code ? (op === 'write' ? WRITE_REASONS : READ_REASONS)[err.code] : undefined;
  if (known) return known;
  const msg = err?.message ?? String(e);
  return msg.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}

/** `<shown>: cannot read: <reason>` / `<shown>: cannot write: <reason>` for an error of `node:fs`. */
export function fsErrorLine(shown: string, e: unknown, op: 'read' | 'write' = 'read'): string {
  return `${shown}: cannot ${op}: ${fsErrorReason(e, op)}`;
}
