/**
 * The kernel command line split into parameters as the kernel splits it, for every part of the simulator that
 * reads it (boot switches, module parameters, default domains, the ACS options, the cmdline hover).
 *
 * Sources: `lib/cmdline.c:next_arg` ("You can use " around spaces, but can't escape "") and
 * `kernel/params.c:parse_args` (leading blanks skipped; a bare `--` ends the kernel's parameters, the rest goes to
 * init), unchanged in these respects since 2.6. Bytes beyond ASCII are not blanks here; the kernel's `isspace` also
 * takes 0xA0 as one (a UTF-8 no-break space would split there). Pure string handling; never throws.
 */

import { GATES, since } from './kernel-gates.js';
import type { KernelVersion } from './model.js';

/** One parameter of the command line. */
export interface CmdlineEntry {
  /** The parameter as written on the line, quotes included (`dyndbg="file x.c +p"`). */
  token: string;
  /**
   * The name before the first `=` (a leading quote removed), each `-` read as `_`: the kernel compares parameter names
   * with `kernel/params.c:parameq` / `parameqn` (`dash2underscore`) for early parameters, `__setup` handlers and module
   * parameters alike, so `intel-iommu=off` is `intel_iommu=off`.
   */
  key: string;
  /** What follows the first `=`, without the quotes around it; '' when `bare`. */
  value: string;
  /** No `=` at all (`nointremap`). */
  bare: boolean;
  /** Where `token` stands in the command line: `cmdline.slice(start, end) === token`. */
  start: number;
  end: number;
}

/** `isspace()` of the kernel's ctype table, ASCII part: blank, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * The parameters of `cmdline` in order, up to a bare `--`, split as `next_arg` splits them: a token ends at a blank
 * outside double quotes, and a quote toggles quoting wherever it stands (`a="b c"` and `"a=b c"` are one token); the
 * name ends at the first `=`; a quote opening the value, and then a quote ending the token, are dropped; a token that
 * opens with a quote loses that quote and a closing one. An unterminated quote runs to the end of the line.
 */
export function cmdlineEntries(cmdline: string | undefined): CmdlineEntry[] {
  const s = cmdline ?? '';
  const out: CmdlineEntry[] = [];
  let at = 0;
  while (at < s.length && isSpace(s.charCodeAt(at))) at++;
  while (at < s.length) {
    const start = at;
    let args = at;
    let inQuote = false;
    let quoted = false;
    if (s[args] === '"') {
      args++;
      inQuote = quoted = true;
    }
    let i = 0;
    let equals = 0;
    for (; args + i < s.length; i++) {
      const c = s.charCodeAt(args + i);
      if (isSpace(c) && !inQuote) break;
      if (equals === 0 && c === 0x3d /* = */) equals = i;
      if (c === 0x22 /* " */) inQuote = !inQuote;
    }
    const end = args + i; // exclusive
    // the kernel overwrites characters with NUL; here: where the name and the value end
    const lastIsQuote = i > 0 && s[end - 1] === '"';
    let entry: CmdlineEntry;
    if (!equals) {
      const keyEnd = quoted && lastIsQuote ? end - 1 : end;
      entry = { token: s.slice(start, end), key: s.slice(args, keyEnd), value: '', bare: true, start, end };
      // parse_args compares with strcmp here, before any name lookup: `__` does not stop the line
      if (entry.key === '--') break;
    } else {
      let valueStart = args + equals + 1;
      let valueEnd = end;
      if (s[valueStart] === '"') {
        valueStart++;
        if (lastIsQuote) valueEnd = end - 1;
      }
      if (quoted && lastIsQuote) valueEnd = end - 1;
      entry = { token: s.slice(start, end), key: s.slice(args, args + equals), value: s.slice(valueStart, Math.max(valueStart, valueEnd)), bare: false, start, end };
    }
    at = end;
    while (at < s.length && isSpace(s.charCodeAt(at))) at++;
    if (entry.key.includes('-')) entry.key = entry.key.replace(/-/g, '_');
    out.push(entry);
  }
  return out;
}

/**
 * What follows the bare `--` that ends the kernel's parameters (`parse_args` hands it to init as its arguments),
 * trimmed; undefined when the line has no such `--`.
 */
export function initArguments(cmdline: string | undefined): string | undefined {
  const s = cmdline ?? '';
  const entries = cmdlineEntries(s);
  let at = entries.length ? entries[entries.length - 1].end : 0;
  while (at < s.length && isSpace(s.charCodeAt(at))) at++;
  if (at >= s.length) return undefined;
  // the stop token itself (`--`, `"--"`), up to the next blank
  let end = at;
  while (end < s.length && !isSpace(s.charCodeAt(end))) end++;
  return s.slice(end).trim();
}

/** The tokens of {@link cmdlineEntries}, as written. */
export function cmdlineTokens(cmdline: string | undefined): string[] {
  return cmdlineEntries(cmdline).map((e) => e.token);
}

/**
 * The last of `choices` among the comma-separated options of every `key=` parameter, in command-line order, each
 * option matched by prefix as the kernel's option handlers do (`strncmp(str, "sm_on", 5)`): e.g. `sm_on` / `sm_off`
 * of `intel_iommu=`, `pgtbl_v1` / `pgtbl_v2` of `amd_iommu=`. Undefined if none is given. A longer choice that
 * starts with a shorter one should come first in `choices`.
 */
export function lastOption<T extends string>(cmdline: string | undefined, key: string, choices: readonly T[]): T | undefined {
  return lastOptionIn(cmdlineEntries(cmdline), key, choices);
}

/** {@link lastOption} over a command line already split ({@link cmdlineEntries}). */
export function lastOptionIn<T extends string>(entries: readonly CmdlineEntry[], key: string, choices: readonly T[]): T | undefined {
  let last: T | undefined;
  for (const e of entries) {
    if (e.bare || e.key !== key) continue;
    for (const o of e.value.split(',')) last = choices.find((c) => o.startsWith(c)) ?? last;
  }
  return last;
}

/**
 * `kstrtobool` (lib/kstrtox.c) as `kernel` reads a command-line value: by the first character, `1`/`y`/`Y` true and
 * `0`/`n`/`N` false, `on`/`of…` by the second character; from 5.19 also `t`/`T` true and `f`/`F` false (0d6ea3ac94ca
 * "lib/kstrtox.c: add "false"/"true" support to kstrtobool()"), from 6.16 `e`/`E` true and `d`/`D` false (ae5b3500856f
 * "kstrtox: add support for enabled and disabled in kstrtobool()"). Anything else is rejected (undefined). `kernel`
 * undefined = the assumed kernel (6.12). Both releases are where the commits were merged (the 5.19 and 6.16 merge windows),
 * outside the reference.
 */
export function kstrtobool(v: string, kernel?: KernelVersion): boolean | undefined {
  const c = v[0]?.toLowerCase();
  if (c === '1' || c === 'y') return true;
  if (c === '0' || c === 'n') return false;
  if (c === 'o') {
    const d = v[1]?.toLowerCase();
    if (d === 'n') return true;
    if (d === 'f') return false;
    return undefined;
  }
  if ((c === 't' || c === 'f') && since(kernel, GATES.kstrtoboolTrueFalse)) return c === 't';
  if ((c === 'e' || c === 'd') && since(kernel, GATES.kstrtoboolEnabledDisabled)) return c === 'e';
  return undefined;
}

/**
 * `cmdline` without the options that `drop` selects: `drop(entry)` returns the comma-separated options of a `key=`
 * parameter to take out (by index), or `true` for the whole parameter. A parameter left without options goes as a
 * whole; the others keep their spelling and the blanks between them, and what follows the last parameter (`-- init
 * args`) is kept from its first non-blank. A rewritten parameter keeps its quotes (around the value or the whole token).
 * Never throws.
 */
export function withoutOptions(cmdline: string, drop: (e: CmdlineEntry, options: string[]) => boolean | number[]): string {
  const entries = cmdlineEntries(cmdline);
  let out = '';
  /** End of the last kept token, when the token just before the current one was kept (its gap is reused). */
  let keptEnd: number | undefined;
  let last = 0;
  for (const e of entries) {
    last = e.end;
    const options = e.bare ? [] : e.value.split(',');
    const d = drop(e, options);
    let replacement: string | undefined = e.token;
    if (d === true) replacement = undefined;
    else if (Array.isArray(d) && d.length) {
      const kept = options.filter((_, i) => !d.includes(i));
      const eq = e.token.indexOf('=');
      // the quotes as written: around the value (`key="a,b"`) or around the whole token (`"key=a,b"`)
      const open = e.token.slice(0, eq + 1) + (e.token[eq + 1] === '"' ? '"' : '');
      const close = e.token.length > eq + 2 && e.token.endsWith('"') ? '"' : '';
      replacement = kept.length ? `${open}${kept.join(',')}${close}` : undefined;
    }
    if (replacement === undefined) {
      keptEnd = undefined;
      continue;
    }
    if (out) out += keptEnd !== undefined ? cmdline.slice(keptEnd, e.start) : ' ';
    out += replacement;
    keptEnd = e.end;
  }
  const tail = cmdline.slice(last).trim();
  return tail ? (out ? `${out} ${tail}` : tail) : out;
}

/**
 * The options of x86 `iommu=` that the kernel reads: `arch/x86/kernel/pci-dma.c:iommu_setup` returns at `usedac`, so
 * nothing after it counts (`iommu=usedac,off` leaves the IOMMU on).
 */
export function x86IommuOptions(value: string): string[] {
  const options = value.split(',');
  const stop = options.findIndex((o) => o.startsWith('usedac'));
  return stop < 0 ? options : options.slice(0, stop + 1);
}

/**
 * `cmdline` with the last option of a `key=` parameter that starts with one of `prefixes` replaced by `replacement`,
 * in place (the parameter keeps its other options, its spelling and its quotes; the rest of the line is untouched).
 * Since such options are read left to right with the last one winning, this decides what the kernel reads. The same
 * string when there is no such option. Never throws.
 */
export function replaceLastOption(cmdline: string, key: string, prefixes: readonly string[], replacement: string): string {
  const entries = cmdlineEntries(cmdline);
  for (let k = entries.length - 1; k >= 0; k--) {
    const e = entries[k];
    if (e.bare || e.key !== key) continue;
    const options = e.value.split(',');
    let i = options.length - 1;
    while (i >= 0 && !prefixes.some((p) => options[i].startsWith(p))) i--;
    if (i < 0) continue;
    // the option's place in the token: the value starts after the first `=` and an opening quote
    const eq = e.token.indexOf('=');
    const valueStart = eq + 1 + (e.token[eq + 1] === '"' ? 1 : 0);
    let at = valueStart;
    for (let j = 0; j < i; j++) at += options[j].length + 1;
    const token = e.token.slice(0, at) + replacement + e.token.slice(at + options[i].length);
    return cmdline.slice(0, e.start) + token + cmdline.slice(e.end);
  }
  return cmdline;
}
