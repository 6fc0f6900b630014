/**
 * `iommu-topo` command line: `check`, `groups`, `fmt`, `import`, `rules`. Bundled to server/out/cli.cjs and started by
 * bin/iommu-topo.cjs on the machine's Node (20 or newer).
 */
import '../polyfill.js';
import { Command, Option } from 'commander';
import { registerImportCommand } from './import-command.js';
import { parseKernelVersion } from '../../../src-core/src/kernel-version.js';
import { allRuleMeta, rulesMarkdown } from './rules-table.js';
import { collectFiles, diagnosticLine, displayPath, exitCode, formatSarif, formatText, syntaxErrorsText, InputError, JSON_SCHEMA_VERSION, jsonReportPieces, runCheck, TOOL_VERSION, type OutputFormat } from './check.js';

export function buildProgram(): Command {
  const program = new Command('iommu-topo')
    .description('Predict what Linux VFIO / iommufd / KVM will do with a PCI device assignment, before you boot.')
    .version(TOOL_VERSION)
    .exitOverride();

  program
    .command('check')
    .description('check topology files or directories (recursively *.iommu)')
    .argument('<paths...>', 'files or directories')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--default-kernel <version>', 'kernel version for hosts that do not declare one (e.g. 6.12)')
    .option('--pretty', 'indent json and sarif output (default: one line)')
    .option('--timings', 'print the time of each phase (ms) to stderr')
    .action(async (paths: string[], opts: { format: OutputFormat; defaultKernel?: string; timings?: boolean; pretty?: boolean }) => {
      const defaultKernel = defaultKernelOption(opts.defaultKernel);
      const timings = opts.timings ? (phase: string, ms: number) => process.stderr.write(`timing: ${phase} ${ms.toFixed(1)} ms\n`) : undefined;
      const run = await runCheck(collectFiles(paths), { defaultKernel }, timings);
      const t0 = performance.now();
      const pretty = !!opts.pretty;
      // known before the report is written: a reader that stops early (`| head`) still gets the check's status
      process.exitCode = exitCode(run);
      if (opts.format === 'json') writePieces(jsonReportPieces(run, undefined, pretty));
      else process.stdout.write((opts.format === 'sarif' ? formatSarif(run, undefined, pretty) : formatText(run)) + '\n');
      timings?.(`format ${opts.format}`, performance.now() - t0);
    });

  program
    .command('fmt')
    .description('format topology files in place (or only check with --check)')
    .argument('<paths...>', 'files or directories')
    .option('--check', 'do not write; exit 1 if any file is not formatted')
    .action(async (paths: string[], opts: { check?: boolean }) => {
      const files = collectFiles(paths);
      // loaded here: the formatter is an LSP service, and `check` runs without the language server's half
      const { formatFiles, writeFormatted } = await import('./fmt.js');
      const results = await formatFiles(files);
      const notWritten = opts.check ? new Map<string, string>() : writeFormatted(results);
      let code = 0;
      const out: string[] = [];
      const err: string[] = [];
      for (const r of results) {
        const rel = displayPath(process.cwd(), r.path);
        if (r.status === 'syntax-error') {
          // the first syntax error as `check` prints it, then why the file is left alone
          if (r.firstError) err.push(`${diagnosticLine(rel, r.firstError)}\n`);
          err.push(`${rel}: cannot format a file with syntax errors\n`);
          code = 2;
        } else if (notWritten.has(r.path)) {
          err.push(`iommu-topo: ${notWritten.get(r.path)}\n`);
          code = 2;
        } else if (r.status === 'changed') {
          out.push(`${rel}${opts.check ? ': not formatted' : ': formatted'}\n`);
          if (opts.check && code === 0) code = 1;
        }
      }
      // status and files first: a reader that closes stdout early (EPIPE) must not change either
      process.exitCode = code;
      if (err.length) process.stderr.write(err.join(''));
      if (out.length) process.stdout.write(out.join(''));
    });

  program
    .command('groups')
    .description('list the iommu_groups the simulator predicts for each host (unit, default domain, devices, VMs, findings)')
    .argument('<paths...>', 'files or directories')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--default-kernel <version>', 'kernel version for hosts that do not declare one (e.g. 6.12)')
    .action(async (paths: string[], opts: { format: 'text' | 'json'; defaultKernel?: string }) => {
      const run = await runCheck(collectFiles(paths), { defaultKernel: defaultKernelOption(opts.defaultKernel) });
      const { groupsReport, formatGroupsText } = await import('./groups.js');
      const hosts = groupsReport(run);
      // a file that does not parse may be missing devices: its groups are shown, stderr names the syntax errors, and
      // the status says so (2)
      const broken = run.files.filter((f) => f.syntaxErrors > 0);
      process.exitCode = broken.length ? 2 : 0;
      if (broken.length) process.stderr.write(syntaxErrorsText(run, broken.map((f) => f.path)) + '\n');
      process.stdout.write((opts.format === 'json' ? JSON.stringify({ version: JSON_SCHEMA_VERSION, hosts }) : formatGroupsText(hosts, broken.length > 0)) + '\n');
    });

  program
    .command('upgrade')
    .description('what changes if the hosts boot another kernel: the modelled releases crossed and the findings that appear or go away')
    .argument('<paths...>', 'files or directories')
    .requiredOption('--to <version>', 'the kernel to simulate every host on (e.g. 6.12)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--default-kernel <version>', 'kernel version for hosts that do not declare one (e.g. 6.12)')
    .action(async (paths: string[], opts: { to: string; format: 'text' | 'json'; defaultKernel?: string }) => {
      const to = parseKernelVersion(opts.to);
      if (!to) throw new InputError(`--to: '${opts.to}' is not X.Y or X.Y.Z`);
      const defaultKernel = defaultKernelOption(opts.defaultKernel);
      const files = collectFiles(paths);
      const current = await runCheck(files, { defaultKernel });
      // a file that does not parse cannot be compared: say where, as `check` does, and stop
      const broken = current.files.filter((f) => f.syntaxErrors > 0);
      if (broken.length) {
        process.exitCode = 2;
        process.stderr.write(syntaxErrorsText(current, broken.map((f) => f.path)) + '\n');
        return;
      }
      const target = await runCheck(files, { defaultKernel, kernelOverride: to });
      const { upgradeReport, upgradeExitCode, formatUpgradeText, upgradeJson } = await import('./upgrade.js');
      const report = upgradeReport(current, target, to);
      process.exitCode = upgradeExitCode(report);
      process.stdout.write((opts.format === 'json' ? JSON.stringify(upgradeJson(report, JSON_SCHEMA_VERSION)) : formatUpgradeText(report)) + '\n');
    });

  registerImportCommand(program);

  program
    .command('rules')
    .description('list the rule codes with severity, title and kernel reference')
    .option('--markdown', 'print the README rule table')
    .action((opts: { markdown?: boolean }) => {
      if (opts.markdown) {
        process.stdout.write(rulesMarkdown() + '\n');
        return;
      }
      for (const m of allRuleMeta()) {
        process.stdout.write(`${m.code}\t${m.defaultSeverity}\t${m.title}\t${m.kernel.map((k) => k.rule).join(', ')}\n`);
      }
    });
  return program;
}

/** `--default-kernel`'s value as a version; undefined when not given. Throws InputError for a malformed (or empty) one. */
function defaultKernelOption(text: string | undefined) {
  if (text === undefined) return undefined;
  const v = parseKernelVersion(text);
  if (!v) throw new InputError(`--default-kernel: '${text}' is not X.Y or X.Y.Z`);
  return v;
}

/**
 * Write `pieces` and a newline to stdout in chunks of about 256 KiB (UTF-16 code units), so a report of
 * several MB is never one string that has to be joined and encoded at once.
 */
function writePieces(pieces: readonly string[]): void {
  let chunk: string[] = [];
  let size = 0;
  for (const p of pieces) {
    chunk.push(p);
    size += p.length;
    if (size >= 1 << 18) {
      process.stdout.write(chunk.join(''));
      chunk = [];
      size = 0;
    }
  }
  chunk.push('\n');
  process.stdout.write(chunk.join(''));
}

/**
 * A reader that closes stdout early (`iommu-topo check … | head`) makes writes fail with EPIPE: stop quietly
 * with the exit status set so far, as command-line tools do, instead of Node's unhandled-error stack trace.
 */
function exitOnClosedStdout(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  process.stderr.write(`iommu-topo: cannot write the output: ${err.message}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', exitOnClosedStdout);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    if (err.code?.startsWith('commander.')) return 2; // usage error, already printed by commander
    process.stderr.write(`iommu-topo: ${err instanceof InputError ? '' : 'internal error: '}${err.message}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
