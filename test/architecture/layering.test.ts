/**
 * Architecture invariants, enforced:
 * - src-core imports nothing from langium, vscode*, or the server/client (and no node:fs: it is pure).
 * - client does not import server internals except through the bundle; server does not import vscode.
 * - the CLI's start-up and `check` do not load the language server's half (langium/lsp, server/src/lsp).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(full));
    else if (e.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
}

describe('layering', () => {
  it('src-core is pure: no langium, vscode, LSP, fs or server/client imports', () => {
    const offenders: string[] = [];
    for (const f of sources(path.join(root, 'src-core/src'))) {
      for (const spec of imports(f)) {
        const resolved = spec.startsWith('.') ? path.resolve(path.dirname(f), spec) : spec;
        const bad =
          /^(langium|vscode|vscode-languageserver|vscode-languageclient|vscode-languageserver-types)(\/|$)/.test(spec) ||
          /^(node:)?(fs|child_process|net|http)(\/|$)/.test(spec) ||
          (spec.startsWith('.') && !resolved.startsWith(path.join(root, 'src-core')));
        if (bad) offenders.push(`${path.relative(root, f)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
    // the check itself must see imports: src-core/src/simulate.ts has several
    expect(imports(path.join(root, 'src-core/src/simulate.ts')).length).toBeGreaterThan(3);
  });

  it('server never imports vscode (the editor API)', () => {
    const offenders = sources(path.join(root, 'server/src'))
      .flatMap((f) => imports(f).map((s) => [f, s] as const))
      .filter(([, s]) => s === 'vscode')
      .map(([f]) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it("the CLI's start-up and `check` load no language-server code (fmt loads it on demand)", () => {
    // static imports that stay at run time (not `import type` / `export type`), followed through relative paths
    const runtimeImports = (file: string) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)(?!\s+type\s)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]);
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        if (spec.startsWith('.')) {
          const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
          if (target.startsWith(path.join(root, 'server/src/lsp'))) offenders.push(`${path.relative(root, file)} imports ${spec}`);
          else if (fs.existsSync(target)) visit(target);
        } else if (/^(langium\/lsp|vscode-languageserver(\/|$))/.test(spec)) offenders.push(`${path.relative(root, file)} imports ${spec}`);
      }
    };
    visit(path.join(root, 'server/src/cli/main.ts'));
    expect(offenders).toEqual([]);
    // it did follow the check path into the language and the simulator
    expect(seen.has(path.join(root, 'server/src/language/iommu-core-module.ts'))).toBe(true);
    expect(seen.has(path.join(root, 'src-core/src/simulate.ts'))).toBe(true);
    expect(seen.has(path.join(root, 'server/src/cli/fmt.ts'))).toBe(false);
  });

  it('client does not import server or core sources (it talks LSP)', () => {
    const offenders = sources(path.join(root, 'client/src'))
      .flatMap((f) => imports(f).map((s) => [f, s] as const))
      .filter(([f, s]) => s.startsWith('.') && !path.resolve(path.dirname(f), s).startsWith(path.join(root, 'client')) && !s.includes('/server/src/import/') && !s.includes('/server/src/protocol/'))
      .map(([f, s]) => `${path.relative(root, f)} imports ${s}`);
    expect(offenders).toEqual([]);
  });

  it('the protocol files the client shares with the server are wire types only: they import nothing but LSP types', () => {
    const files = sources(path.join(root, 'server/src/protocol'));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.flatMap((f) => imports(f).filter((s) => s !== 'vscode-languageserver-types').map((s) => `${path.relative(root, f)} imports ${s}`));
    expect(offenders).toEqual([]);
  });

  it('one copy of vscode-jsonrpc and vscode-languageserver-protocol in the installed tree', () => {
    // Langium and vscode-languageserver must share them: Langium returns ResponseError objects from its request
    // handlers, and the connection recognises them only as instances of its own class (a second copy turned every
    // such error into a result). package.json pins the version both accept as a direct dependency, which npm hoists.
    const copies = (name: string) => {
      const out: string[] = [];
      const walk = (dir: string) => {
        const nm = path.join(dir, 'node_modules');
        if (!fs.existsSync(nm)) return;
        for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
          if (!e.isDirectory()) continue;
          const scoped = e.name.startsWith('@') ? fs.readdirSync(path.join(nm, e.name)).map((n) => path.join(nm, e.name, n)) : [path.join(nm, e.name)];
          for (const pkg of scoped) {
            if (path.basename(pkg) === name && fs.existsSync(path.join(pkg, 'package.json'))) out.push(path.relative(root, pkg));
            walk(pkg);
          }
        }
      };
      walk(root);
      return out;
    };
    expect(copies('vscode-jsonrpc')).toEqual(['node_modules/vscode-jsonrpc']);
    expect(copies('vscode-languageserver-protocol')).toEqual(['node_modules/vscode-languageserver-protocol']);
  });
});
