/**
 * `iommu-topo import`: write a `.iommu` file from a real host.
 *
 *   iommu-topo import [--sysfs-root DIR] [--lspci FILE|-] [--capture DIR] [--interrupts FILE] [--kernel X.Y]
 *                     [--name HOST] [-o FILE] [--no-check]
 *
 * Sources (exactly one; default `--sysfs-root /`): a sysfs tree (`/` = this host; with `/`, `/proc/interrupts` is
 * read too unless `--interrupts` is given), `lspci -vv -nn` / `-vvv -nn -D` text (`-` = stdin), or a capture
 * directory in the `../shared/examples/captures` format. The text goes to `-o FILE` or stdout; warnings go to
 * stderr as `iommu-topo: warning: …`. Unless `--no-check`, the generated text is validated with the same language
 * services as `iommu-topo check` and its diagnostics (syntax errors, and GRP003 where the simulator's groups
 * differ from the observed ones) are printed to stderr.
 *
 * Exit codes: 0 written; 2 malformed input (located `ImportError: file:line: …`) or bad usage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { ImportError, importFromCapture, importFromLspci, importFromSysfs, type ImportResult } from '../import/index.js';
import { fsErrorLine, fsErrorReason } from './fs-errors.js';

interface ImportCliOptions {
  sysfsRoot?: string;
  lspci?: string;
  capture?: string;
  interrupts?: string;
  kernel?: string;
  name?: string;
  output?: string;
  check: boolean;
}

/** The path options, by flag: an empty value is an error, not the option left out (or `.`). */
const PATH_OPTIONS = [
  ['sysfsRoot', '--sysfs-root'],
  ['lspci', '--lspci'],
  ['capture', '--capture'],
  ['interrupts', '--interrupts'],
  ['output', '--output'],
] as const;

/**
 * Run the import for parsed options. Returns the result; throws ImportError (malformed input, a malformed or empty
 * `--kernel` or `--name`) or UsageError (two sources, an empty path option, a capture that is not a directory, an
 * input that cannot be read).
 */
export function runImport(opts: ImportCliOptions): ImportResult {
  for (const [key, flag] of PATH_OPTIONS) if (opts[key] === '') throw new UsageError(`${flag}: empty path`);
  const sources = [opts.sysfsRoot !== undefined, opts.lspci !== undefined, opts.capture !== undefined].filter(Boolean).length;
  if (sources > 1) throw new UsageError('give only one of --sysfs-root, --lspci, --capture');
  let interruptsText: string | undefined;
  let interruptsFile: string | undefined;
  if (opts.interrupts !== undefined) {
    interruptsFile = opts.interrupts;
    interruptsText = readInput(opts.interrupts);
  }
  const common = { name: opts.name, kernel: opts.kernel, interruptsText, interruptsFile };
  if (opts.lspci !== undefined) {
    return importFromLspci(readInput(opts.lspci), { ...common, file: opts.lspci === '-' ? '<stdin>' : opts.lspci });
  }
  if (opts.capture !== undefined) {
    requireDirectory('--capture', opts.capture);
    const pci = path.join(opts.capture, 'pci-sysfs.txt');
    const sum = path.join(opts.capture, 'host-summary.txt');
    return importFromCapture({
      ...common,
      pciSysfsText: readInput(pci),
      pciSysfsFile: pci,
      summaryText: fs.existsSync(sum) ? readInput(sum) : undefined,
      summaryFile: sum,
    });
  }
  const root = opts.sysfsRoot ?? '/';
  if (!fs.existsSync(root)) throw new UsageError(`--sysfs-root ${root}: no such directory`);
  requireDirectory('--sysfs-root', root);
  return importFromSysfs({ ...common, root });
}

class UsageError extends Error {}

/** @throws UsageError `<flag>: <dir> is not a directory` (or `…: no such directory`, `…: cannot read: …`) */
function requireDirectory(flag: string, dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' || code === 'ENOTDIR' ? `${flag}: ${dir}: no such directory` : `${flag}: ${fsErrorLine(dir, e)}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag}: ${dir} is not a directory`);
}

function readInput(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: no such file` : fsErrorLine(file === '-' ? '<stdin>' : file, e));
  }
}

/** Write the generated text to `-o FILE`. @throws UsageError `<file>: cannot write: <reason>` */
function writeOutput(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new UsageError(`${file}: cannot write: ${fsErrorReason(e, 'write')}`);
  }
}

/**
 * Validate the generated text with the language services; returns its diagnostics as `iommu-topo check` prints them
 * (`label:line:col: severity: message [CODE]`, in text order).
 */
async function checkText(text: string, label: string): Promise<string[]> {
  const { EmptyFileSystem, URI } = await import('langium');
  const { createIommuCoreServices } = await import('../language/iommu-core-module.js');
  const { shared } = createIommuCoreServices(EmptyFileSystem);
  const doc = shared.workspace.LangiumDocumentFactory.fromString(text, URI.file(path.resolve(label.endsWith('.iommu') ? label : `${label}.iommu`)));
  shared.workspace.LangiumDocuments.addDocument(doc);
  await shared.workspace.DocumentBuilder.build([doc], { validation: true });
  const { byPosition, diagnosticLine } = await import('./check.js');
  return byPosition(doc.diagnostics ?? []).map((d) => diagnosticLine(label, d));
}

/** Add the `import` sub-command to the CLI program. */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('write a .iommu file from this host (sysfs), lspci -vv -nn text, or a capture directory')
    .option('--sysfs-root <dir>', 'sysfs tree: / for this host, or a copy holding sys/bus/pci/devices (default /)')
    .option('--lspci <file>', 'lspci -vv -nn / -vvv -nn -D output ("-" = stdin)')
    .option('--capture <dir>', 'capture directory (pci-sysfs.txt + host-summary.txt, ../shared/examples/captures format)')
    .option('--interrupts <file>', '/proc/interrupts text for interrupt-remapping detection (default with --sysfs-root /: read it)')
    .option('--kernel <version>', 'kernel version to write (X.Y or X.Y.Z)')
    .option('--name <host>', 'host name in the generated file', 'imported')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--no-check', 'do not validate the generated file with the simulator')
    .action(async (opts: ImportCliOptions) => {
      let result: ImportResult;
      try {
        result = runImport(opts);
      } catch (e) {
        if (e instanceof ImportError) {
          process.stderr.write(`ImportError: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        if (e instanceof UsageError) {
          process.stderr.write(`iommu-topo import: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
      for (const w of result.warnings) {
        const loc = w.file ? `${w.file}${w.line !== undefined ? `:${w.line}` : ''}: ` : '';
        process.stderr.write(`iommu-topo: warning: ${loc}${w.message}\n`);
      }
      if (opts.output !== undefined) {
        try {
          writeOutput(opts.output, result.text);
        } catch (e) {
          process.stderr.write(`iommu-topo import: ${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      } else process.stdout.write(result.text);
      if (opts.check) {
        for (const line of await checkText(result.text, opts.output ?? `${result.host.name}.iommu`)) process.stderr.write(`${line}\n`);
      }
      process.exitCode = 0;
    });
}
