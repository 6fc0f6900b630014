/**
 * Links from diagnostic codes to the README rule table. The README is shipped inside the extension and
 * next to the CLI, so the link is a file URI; override with the IOMMU_TOPOLOGY_DOCS_URL environment variable
 * (e.g. a hosted copy of the README).
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import * as fs from 'node:fs';

let base: string | undefined;

function readmeUrl(): string {
  if (base) return base;
  const env = process.env.IOMMU_TOPOLOGY_DOCS_URL;
  if (env) return (base = env);
  // bundles live in <root>/server/out or <root>/out; sources in <root>/server/src/language
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = [path.resolve(here, '../../README.md'), path.resolve(here, '../README.md'), path.resolve(here, '../../../README.md')];
  const found = candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
  return (base = pathToFileURL(found).toString());
}

const hrefs = new Map<string, string>();

/**
 * `file:///…/README.md#ir001` for code `IR001` (GitHub-style heading anchors in the rule table). Each code's
 * link is built once: every diagnostic carries one, and a big file has thousands.
 */
export function ruleHref(code: string): string {
  let href = hrefs.get(code);
  if (href === undefined) hrefs.set(code, (href = `${readmeUrl()}#${code.toLowerCase()}`));
  return href;
}
