/**
 * The committed generated parser (server/src/language/generated) and TextMate grammar must match the
 * grammar: regenerate into a temp dir with langium-cli and compare.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
/**
 * langium-cli 4.4 needs Node 22 (`Object.groupBy`): use the repo's own Node 22 (npm package `node`) when the
 * tests run under an older Node, e.g. a plain `npx vitest` with the system Node 20.
 */
const node22 = path.join(root, 'node_modules/node/bin/node');
const cliNode = Number(process.versions.node.split('.')[0]) >= 22 || !fs.existsSync(node22) ? process.execPath : node22;

describe('generated sources', () => {
  it('are fresh (run `npm run langium:generate` after editing the grammar)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'langium-gen-'));
    fs.mkdirSync(path.join(dir, 'server/src/language'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'syntaxes'));
    fs.copyFileSync(path.join(root, 'server/langium-config.json'), path.join(dir, 'server/langium-config.json'));
    fs.copyFileSync(path.join(root, 'server/src/language/iommu-topology.langium'), path.join(dir, 'server/src/language/iommu-topology.langium'));
    const langium = path.join(root, 'node_modules/langium-cli/bin/langium.js');
    execFileSync(cliNode, [langium, 'generate', '-f', path.join(dir, 'server/langium-config.json')], { stdio: 'pipe' });
    execFileSync(cliNode, [path.join(root, 'scripts/patch-textmate.mjs'), path.join(dir, 'syntaxes/iommu.tmLanguage.json')]);
    for (const f of ['server/src/language/generated/ast.ts', 'server/src/language/generated/grammar.ts', 'server/src/language/generated/module.ts', 'syntaxes/iommu.tmLanguage.json']) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).toBe(fs.readFileSync(path.join(root, f), 'utf8'));
    }
  }, 60000);
});
