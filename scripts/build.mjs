// Bundle the VS Code client, the language server and the CLI with esbuild (CJS, Node 20 target).
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // import.meta is not available in CJS; our code uses __dirname guarded by typeof.
};
const builds = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'client/out/extension.cjs', external: ['vscode'] },
  { entryPoints: ['server/src/main.ts'], outfile: 'server/out/main.cjs' },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'server/out/cli.cjs' },
];
for (const b of builds) {
  const opts = { ...common, ...b };
  if (watch) await (await esbuild.context(opts)).watch();
  else await esbuild.build(opts);
}
