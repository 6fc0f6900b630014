/**
 * The CLI as users run it: the bundled `bin/iommu-topo.cjs` in a child process (built by `npm test`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateTopology } from '../scripts/bench/generate.mjs';
import { allRuleMeta } from '../server/src/cli/rules-table.js';
import '../server/src/polyfill.js';
import { EmptyFileSystem } from 'langium';
import { parseHelper } from 'langium/test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createIommuServices } from '../server/src/language/iommu-module.js';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin/iommu-topo.cjs');

function cli(args: string[], node = process.execPath) {
  const r = spawnSync(node, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tmp(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-cli-'));
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/**
 * The CLI run by a user who cannot bypass file permissions: as root (tests in a container), `setpriv` to nobody
 * (65534), so that a mode-000 file is unreadable; otherwise the current user. Undefined when running as root
 * without `setpriv`.
 */
function cliUnprivileged(args: string[], cwd: string): { code: number | null; out: string; err: string } | undefined {
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !fs.existsSync('/usr/bin/setpriv')) return undefined;
  const cmd = asRoot ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin] : [process.execPath, bin];
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fresh directory anyone can enter (mkdtemp makes it 0700), for {@link cliUnprivileged}. */
function openDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-perm-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** The machine's own Node (not the node@22 devDependency npm puts first on PATH), if there is one. */
function systemNode(): string | undefined {
  for (const p of ['/usr/local/bin/node', '/usr/bin/node']) {
    if (!fs.existsSync(p)) continue;
    const v = execFileSync(p, ['--version'], { encoding: 'utf8' }).trim();
    if (v.startsWith('v20.')) return p;
  }
  return undefined;
}

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'server/out/cli.cjs'))) throw new Error('run `npm run build` first (npm test does)');
});

describe('iommu-topo check', () => {
  it('text: gcc-style lines with 1-based positions and codes; exit 1 when there are errors', () => {
    const r = cli(['check', 'examples']);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toContain('examples/intel-nosnoop-gpu.iommu:52:12: error: gpu (0000:b1:00.0) in VM training: no-snoop DMA not blocked and no kvm-vfio device → guest WBINVD is a no-op (silent corruption risk) [KVM001]');
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^examples\/[\w-]+\.iommu:\d+:\d+: (error|warning|info|hint): .+ \[[A-Z]+\d{3}\]$/);
    expect(lines.at(-1)).toMatch(/^9 file\(s\): 6 error\(s\), \d+ warning\(s\), \d+ info, 0 hint\(s\)$/);
  });

  it('exit 0 when only info findings remain', () => {
    const r = cli(['check', 'examples/desktop-gpu-passthrough.iommu']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('[GRP002]');
  });

  it('json: the documented schema', () => {
    const r = cli(['check', 'examples/intel-nosnoop-gpu.iommu', '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.version).toBe(1);
    expect(j.summary).toMatchObject({ files: 1, error: 1 });
    const d = j.files[0].diagnostics.find((x: { code: string }) => x.code === 'KVM001');
    expect(d).toMatchObject({ severity: 'error', range: { start: { line: 52, column: 12 } }, element: 'd:xeon/gpu' });
    expect(d.kernel.map((k: { rule: string }) => k.rule)).toContain('KVM-NOHOOK-01');
    expect(d.help).toMatch(/README\.md#kvm001$/);
    // the x86 Kconfig default (lazy) on units with pass-through: every group DMA-FQ
    expect(j.hosts[0].groups.find((g: { devices: string[] }) => g.devices.includes('0000:b1:00.0'))).toMatchObject({ type: 'DMA-FQ' });
    const training = j.vms.find((v: { name: string }) => v.name === 'training');
    expect(training).toMatchObject({ kvmVfio: false, wbinvd: 'nop', devices: [{ bdf: '0000:b1:00.0', ok: true, box: 3, domainEnforced: false }] });
  });

  it('every diagnostic of the examples has its rule\'s default severity, or the rule documents the other one', () => {
    const j = JSON.parse(cli(['check', 'examples', '--format', 'json']).out);
    const meta = new Map(allRuleMeta().map((m) => [m.code, m]));
    let other = 0;
    for (const f of j.files)
      for (const d of f.diagnostics as { code: string; severity: string }[]) {
        const m = meta.get(d.code)!;
        expect(m, d.code).toBeDefined();
        if (d.severity !== m.defaultSeverity) {
          other++;
          expect(m.severityNote, `${d.code} is ${d.severity}, its default ${m.defaultSeverity}`).toBeDefined();
        }
      }
    // GRP005 is info in the arm64 example (a fixed kernel gives the same groups): the case this is about
    expect(other).toBeGreaterThan(0);
  });

  it('json and sarif are one line; --pretty indents the same report', () => {
    for (const format of ['json', 'sarif']) {
      const compact = cli(['check', 'examples/intel-nosnoop-gpu.iommu', '--format', format]);
      const pretty = cli(['check', 'examples/intel-nosnoop-gpu.iommu', '--format', format, '--pretty']);
      expect(compact.out.trim().split('\n')).toHaveLength(1);
      expect(pretty.out).toContain('\n  "version"');
      expect(JSON.parse(pretty.out)).toEqual(JSON.parse(compact.out));
    }
  });

  it('the one-line json report (written piece by piece) is JSON.stringify of the pretty one, byte for byte', () => {
    // every example at once: several files, imports, hosts and VMs, diagnostics with and without findings
    const compact = cli(['check', 'examples', '--format', 'json']);
    const pretty = cli(['check', 'examples', '--format', 'json', '--pretty']);
    expect(compact.code).toBe(pretty.code);
    const report = JSON.parse(pretty.out);
    expect(report.files.length).toBeGreaterThan(3);
    expect(report.hosts.length).toBeGreaterThan(3);
    expect(report.vms.length).toBeGreaterThan(3);
    expect(compact.out).toBe(JSON.stringify(report) + '\n');
  });

  it('a reader that stops early (`| head`) ends the check quietly with its exit status, not an EPIPE stack trace', async () => {
    // a report far bigger than a pipe's buffer, so writes go on after the reader has closed its end
    const file = tmp('big.iommu', generateTopology(1000).text);
    for (const format of ['json', 'text']) {
      const child = spawn(process.execPath, [bin, 'check', file, '--format', format], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b) => (err += b));
      const first = await new Promise<string>((resolve) => child.stdout.once('data', (b) => resolve(String(b))));
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(first.length).toBeGreaterThan(0);
      expect(err).toBe('');
      expect(code).toBe(cli(['check', file, '--format', format]).code);
      expect([0, 1]).toContain(code);
    }
  });

  it('fmt --check with stdout already closed: exit 1 (not formatted), no stack trace, no file written', async () => {
    const file = tmp('messy.iommu', 'host   h {kernel 6.12\nendpoint x at 0000:01:00.0 {   driver vfio-pci }}\n');
    const before = fs.readFileSync(file, 'utf8');
    const child = spawn(process.execPath, [bin, 'fmt', '--check', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it.runIf(fs.existsSync('/dev/full'))('output that cannot be written (a full disk) is exit status 2 with a one-line message', () => {
    const out = fs.openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [bin, 'check', 'examples', '--format', 'json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', out, 'pipe'] });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(/^iommu-topo: cannot write the output: ENOSPC\b[^\n]*$/);
    } finally {
      fs.closeSync(out);
    }
  });

  it('sarif: 2.1.0 with rules and results', () => {
    const r = cli(['check', 'examples/virtio-iommu-nested.iommu', '--format', 'sarif']);
    const s = JSON.parse(r.out);
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0];
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(['IR001', 'KVM001', 'GRP001', 'BDF001']));
    expect(run.results.map((x: { ruleId: string; level: string }) => `${x.ruleId}:${x.level}`)).toEqual(expect.arrayContaining(['IR001:error', 'IR002:warning']));
    expect(run.results[0].locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: 'examples/virtio-iommu-nested.iommu' } });
  });

  it('exit 2 with a clear message on a missing path', () => {
    const r = cli(['check', 'does/not/exist.iommu']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('iommu-topo: does/not/exist.iommu: no such file or directory\n');
  });

  it('a named file that is not .iommu: exit 2, one line naming it relative to the working directory (check, fmt, groups)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-notiommu-'));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub/foo.txt'), 'host h {\n}\n');
    const inDir = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
    for (const cmd of ['check', 'fmt', 'groups']) {
      const r = inDir([cmd, 'sub/foo.txt']);
      expect({ cmd, code: r.status, err: r.stderr }).toEqual({ cmd, code: 2, err: 'iommu-topo: sub/foo.txt: not a topology file (expected .iommu)\n' });
    }
    // a directory still takes only its *.iommu files
    expect(inDir(['check', 'sub']).stderr).toBe('iommu-topo: no .iommu files found in sub\n');
  });

  it('file-system errors are one located line, exit 2: a path under a regular file, unreadable files and directories', () => {
    const f = tmp('host.iommu', 'host h {\n}\n');
    const under = cli(['check', path.join(f, 'x.iommu')]);
    expect(under.code).toBe(2);
    expect(under.err).toBe(`iommu-topo: ${path.join(f, 'x.iommu')}: no such file or directory\n`);
    const dir = openDir();
    fs.mkdirSync(path.join(dir, 'tree/locked'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree/ok.iommu'), 'host h {\n}\n');
    fs.writeFileSync(path.join(dir, 'tree/locked/a.iommu'), 'host g {\n}\n');
    fs.writeFileSync(path.join(dir, 'unread.iommu'), 'host h {\n}\n');
    fs.writeFileSync(path.join(dir, 'ro.iommu'), 'host h {kernel 6.12}\n');
    fs.chmodSync(path.join(dir, 'tree/locked'), 0o000);
    fs.chmodSync(path.join(dir, 'unread.iommu'), 0o000);
    fs.chmodSync(path.join(dir, 'ro.iommu'), 0o444);
    const run = (args: string[]) => cliUnprivileged(args, dir);
    if (!run(['rules'])) return; // root without setpriv: permissions cannot be tested here
    const expectLine = (args: string[], line: string) => {
      const r = run(args)!;
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 2, err: `iommu-topo: ${line}\n` });
    };
    expectLine(['check', 'tree'], `${path.join('tree', 'locked')}: cannot read: permission denied`);
    expectLine(['check', 'unread.iommu'], 'unread.iommu: cannot read: permission denied');
    expectLine(['check', path.join('tree', 'locked', 'a.iommu')], `${path.join('tree', 'locked', 'a.iommu')}: cannot read: permission denied`);
    expectLine(['fmt', '--check', 'unread.iommu'], 'unread.iommu: cannot read: permission denied');
    expectLine(['groups', 'unread.iommu'], 'unread.iommu: cannot read: permission denied');
    expectLine(['fmt', 'ro.iommu'], 'ro.iommu: cannot write: permission denied');
    expect(fs.readFileSync(path.join(dir, 'ro.iommu'), 'utf8')).toBe('host h {kernel 6.12}\n');
    fs.chmodSync(path.join(dir, 'tree/locked'), 0o755);
  });

  it('an empty option value is rejected like a malformed one, not taken as absent (exit 2)', () => {
    for (const cmd of ['check', 'groups', 'upgrade']) {
      const r = cli([cmd, 'examples/desktop-gpu-passthrough.iommu', '--default-kernel', '', ...(cmd === 'upgrade' ? ['--to', '6.12'] : [])]);
      expect({ cmd, code: r.code, err: r.err }).toEqual({ cmd, code: 2, err: "iommu-topo: --default-kernel: '' is not X.Y or X.Y.Z\n" });
    }
  });

  it('exit 2 on a file with syntax errors, reported with its position', () => {
    const f = tmp('broken.iommu', 'host h {\n    kernel 6.12\n    endpoint at 0000:01:00.0\n}\n');
    const r = cli(['check', f]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/broken\.iommu:3:\d+: error: .+/);
    // a file outside the working directory is named by its absolute path, not ../../tmp/…
    expect(r.out.startsWith(`${f}:3:`)).toBe(true);
    const sarif = JSON.parse(cli(['check', f, '--format', 'sarif']).out);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(pathToFileURL(f).href);
    expect(JSON.parse(cli(['check', f, '--format', 'json']).out).files[0].path).toBe(f);
    expect(r.err).not.toMatch(/internal error|at .+\.cjs/);
  });

  it('exit 2 on a bad option value', () => {
    const r = cli(['check', 'examples', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are text, json, sarif/);
  });

  it('--default-kernel applies to hosts without a kernel', () => {
    const f = tmp('nokernel.iommu', 'host h {\n    iommu u {\n        driver virtio-iommu\n        msi x86-ir\n    }\n    endpoint n at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\n\nvm v on h {\n    assign n\n}\n');
    expect(cli(['check', f]).out).toContain('[KVER000]');
    const old = cli(['check', f, '--default-kernel', '5.19']);
    expect(old.out).not.toContain('[KVER000]');
    expect(old.out).toContain('[CC001]'); // virtio-iommu reports CACHE_COHERENCY only from 6.0
    expect(cli(['check', f, '--default-kernel', '6.12']).out).not.toContain('[CC001]');
  });

  it('runs on the machine\'s plain Node 20 too (the shipped bundle carries the Object.groupBy polyfill)', () => {
    const node20 = systemNode();
    if (!node20) return; // no separate Node 20 on this machine: nothing to compare
    const r = cli(['check', 'examples', '--format', 'json'], node20);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).summary.error).toBe(6);
  });
});

describe('iommu-topo upgrade', () => {
  it('5.15 → 6.12: the releases crossed for the host, VIA008 (BUG_ON) gone and VIA009 (-EBUSY) new on the same line; no new error → 0', () => {
    const r = cli(['upgrade', 'examples/legacy-kernel-unbound-audio.iommu', '--to', '6.12']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('host workstation (examples/legacy-kernel-unbound-audio.iommu): kernel 5.15.0 → 6.12');
    expect(lines).toContain('  + 6.2 iommufd: iommufd exists (/dev/iommu, VFIO group-compat mode, the iommufd.allow_unsafe_interrupts parameter) (§7 timeline)');
    expect(lines.some((l) => l.startsWith('  + 5.19 VFIO: VFIO claims DMA ownership of the whole iommu_group'))).toBe(true);
    // gates of drivers this host does not have are not listed
    expect(r.out).not.toMatch(/arm-smmu|virtio-iommu|amd-vi/);
    expect(lines.find((l) => l.startsWith('  + examples/legacy-kernel-unbound-audio.iommu:29:18: info:'))).toMatch(/\[VIA009\]$/);
    expect(lines.find((l) => l.startsWith('  - examples/legacy-kernel-unbound-audio.iommu:29:18: warning:'))).toMatch(/BUG_ON.*\[VIA008\]$/);
    expect(lines.at(-2)).toBe('on 6.12: 1 new finding(s), 1 gone, in 1 file(s)');
  });

  it('a downgrade that adds an error exits 1, and lists what the host loses; json has the same data', () => {
    const text = 'host h {\n    kernel 6.12\n    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n}\nvm v on h {\n    backend iommufd-cdev\n    assign gpu\n}\n';
    const file = tmp('down.iommu', text);
    const r = cli(['upgrade', file, '--to', '6.1']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  - 6.6 VFIO: no VFIO device cdev: an iommufd-cdev VMM gets -ENOENT (KVER001) (VFIO-GRP-08)');
    expect(r.out).toMatch(/\n {2}\+ .*down\.iommu:6:\d+: error: .*\[KVER001\]/);
    const j = cli(['upgrade', file, '--to', '6.1', '--format', 'json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.out);
    expect(report.to).toBe('6.1');
    expect(report.hosts).toHaveLength(1);
    expect(report.hosts[0]).toMatchObject({ name: 'h', from: '6.12', to: '6.1' });
    expect(report.hosts[0].gates.find((g: { id: string }) => g.id === 'vfioCdev')).toMatchObject({ release: '6.6', change: 'lost', rule: 'VFIO-GRP-08' });
    expect(report.files[0].appeared.map((d: { code: string }) => d.code)).toContain('KVER001');
    // the same kernel: nothing crossed, nothing changes
    const same = cli(['upgrade', file, '--to', '6.12']);
    expect(same.code).toBe(0);
    expect(same.out).toContain('  no modelled behaviour changes between these releases');
    expect(same.out).toContain('on 6.12: 0 new finding(s), 0 gone, in 1 file(s)');
  });

  it('a stable-series exception the move enters or leaves is listed (6.12 → 6.12.76: the ACS-timing regression), in text and json', () => {
    const file = tmp('stable.iommu', 'host h {\n    kernel 6.12\n    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n}\n');
    const r = cli(['upgrade', file, '--to', '6.12.76']);
    expect(r.out).not.toContain('no modelled behaviour changes');
    expect(r.out).toMatch(/\n {2}\+ stable 6\.12\.75–6\.12\.77: ACS is enabled in pci_dma_configure only after iommu_group formation.* \(GRP-ACS-06\)\n/);
    expect(JSON.parse(cli(['upgrade', file, '--to', '6.12.76', '--format', 'json']).out).hosts[0].stable).toMatchObject([{ range: '6.12.75–6.12.77', change: 'entered', rule: 'GRP-ACS-06' }]);
    // and leaving it
    const back = tmp('stable2.iommu', 'host h {\n    kernel 6.12.76\n    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n}\n');
    expect(cli(['upgrade', back, '--to', '6.12.80']).out).toMatch(/\n {2}- stable 6\.12\.75–6\.12\.77: no longer: ACS is enabled/);
  });

  it('a host without a kernel line goes from the assumed 6.12 (KVER000): the gates it crosses match the findings that change', () => {
    // amd_iommu=pgtbl_v2 reaches VFIO domains from 6.14: the simulation (6.12) has no KVM002, 7.0 has it
    const text = 'host h {\n    arch x86_64\n    cmdline "amd_iommu=pgtbl_v2"\n    iommu u {\n        driver amd-vi\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    root-port rp at 0000:00:01.0 {\n        endpoint gpu at 0000:01:00.0 { no-snoop true driver vfio-pci }\n    }\n}\nvm v on h {\n    vmm qemu\n    assign gpu\n}\n';
    const file = tmp('nokernel.iommu', text);
    const r = cli(['upgrade', file, '--to', '7.0']);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/: kernel 6\.12 \(assumed\) → 7\.0$/);
    expect(lines.some((l) => l.startsWith('  + 6.14 amd-vi: `amd_iommu=pgtbl_v1|pgtbl_v2` chooses the page table of VFIO domains too'))).toBe(true);
    expect(r.out).toMatch(/\n {2}\+ .*nokernel\.iommu:15:\d+: error: .*\[KVM002\]/);
    expect(JSON.parse(cli(['upgrade', file, '--to', '7.0', '--format', 'json']).out).hosts[0].from).toBe('6.12 (assumed)');
  });

  it('a warning that becomes an error on the target (DOM001 on an AMD host, 6.5 → 6.6) counts as new: exit 1', () => {
    const file = tmp('direct.iommu', 'host a {\n    kernel 6.5\n    iommu ivhd0 {\n        driver amd-vi\n        caps interrupt-remapping\n        msi x86-ir\n    }\n    endpoint x at 0000:01:00.0 {\n        requires-direct-mapping\n        driver vfio-pci\n    }\n}\nvm v on a {\n    assign x\n}\n');
    const r = cli(['upgrade', file, '--to', '6.6']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\n {2}\+ .*direct\.iommu:\d+:\d+: error: .*\[DOM001\]/);
    expect(r.out).toMatch(/\n {2}- .*direct\.iommu:\d+:\d+: warning: .*\[DOM001\]/);
  });

  it('a VM file alone: the host it imports is listed, with the releases it crosses (once, however many VM files)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-upgrade-'));
    fs.writeFileSync(path.join(dir, 'host.iommu'), 'host h {\n    kernel 6.1\n    iommu u { driver intel-vtd caps snoop-control, interrupt-remapping }\n    endpoint gpu at 0000:01:00.0 { driver vfio-pci }\n    endpoint nic at 0000:02:00.0 { driver vfio-pci }\n}\n');
    fs.writeFileSync(path.join(dir, 'vm1.iommu'), 'import "host.iommu"\nvm a on h {\n    assign gpu\n}\n');
    fs.writeFileSync(path.join(dir, 'vm2.iommu'), 'import "host.iommu"\nvm b on h {\n    assign nic\n}\n');
    const r = cli(['upgrade', path.join(dir, 'vm1.iommu'), path.join(dir, 'vm2.iommu'), '--to', '6.6']);
    const heads = r.out.split('\n').filter((l) => l.startsWith('host '));
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatch(/^host h \(.*host\.iommu\): kernel 6\.1 → 6\.6$/);
    expect(r.out).toContain('  + 6.2 iommufd:');
    // with the host file too: still once, from the host file
    expect(cli(['upgrade', path.join(dir, 'host.iommu'), path.join(dir, 'vm1.iommu'), '--to', '6.6']).out.split('\n').filter((l) => l.startsWith('host '))).toHaveLength(1);
  });

  it('a POWER host (ARCH001, not simulated): check gives the one warning, groups says why, upgrade lists no releases for it', () => {
    const file = tmp('power.iommu', 'host p {\n    kernel 6.6\n    arch ppc64le\n    endpoint nvme at 0000:01:00.0 { driver vfio-pci }\n}\nvm v on p {\n    assign nvme\n}\n');
    const c = cli(['check', file]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/power\.iommu:1:6: warning: host p: POWER \(ppc64le\) is not simulated; no finding is given for its devices and VMs \[ARCH001\]\n/);
    expect(c.out).not.toMatch(/VIA005|KVER/);
    expect(cli(['groups', file]).out).toContain('  POWER (ppc64le) is not simulated; no finding is given for its devices and VMs (ARCH001)');
    const u = cli(['upgrade', file, '--to', '6.12']);
    expect(u.out).toMatch(/^host p \(.*power\.iommu\): POWER \(ppc64le\) is not simulated; no finding is given for its devices and VMs \(ARCH001\)$/m);
    expect(u.out).not.toContain('kernel 6.6 →');
    expect(JSON.parse(cli(['check', file, '--format', 'json']).out).hosts[0]).toMatchObject({ name: 'p', kernel: '6.6' });
    expect(cli(['groups', file]).out).not.toContain('no devices');
    // a VM file that imports the POWER host says so too (the host's warning is in the host file)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-power-'));
    fs.copyFileSync(file, path.join(dir, 'host.iommu'));
    fs.writeFileSync(path.join(dir, 'host.iommu'), fs.readFileSync(file, 'utf8').replace(/vm v on p \{[\s\S]*$/, ''));
    fs.writeFileSync(path.join(dir, 'vm.iommu'), 'import "host.iommu"\nvm b on p {\n    assign nvme\n}\n');
    expect(cli(['check', path.join(dir, 'vm.iommu')]).out).toMatch(/vm\.iommu:2:4: warning: VM b: its host p is POWER \(ppc64le\) and is not simulated; no finding is given for this VM \[ARCH001\]/);
    expect(u.out).toContain('on 6.12: 0 new finding(s), 0 gone, in 1 file(s)');
  });

  it('bad input: a malformed --to, a missing --to, a file with syntax errors (2)', () => {
    expect(cli(['upgrade', 'examples', '--to', 'six']).err).toContain("--to: 'six' is not X.Y or X.Y.Z");
    expect(cli(['upgrade', 'examples', '--to', 'six']).code).toBe(2);
    expect(cli(['upgrade', 'examples']).code).not.toBe(0);
    const broken = tmp('broken.iommu', 'host h {\n    kernl 6.1\n}\n');
    const r = cli(['upgrade', broken, '--to', '6.12']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('broken.iommu:2');
    expect(r.out).toBe('');
  });
});

describe('iommu-topo groups', () => {
  it('text: per host a block of groups (unit · default domain · VMs) with their devices (driver, VMs, findings)', () => {
    const r = cli(['groups', 'examples/intel-nosnoop-gpu.iommu']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('examples/intel-nosnoop-gpu.iommu: host xeon (kernel 6.6)');
    expect(lines).toContain('  IOMMU Group 3  dmar1 · DMA-FQ · VM training');
    expect(lines).toContain('    0000:b1:00.0  endpoint gpu  [vfio-pci]  VM training  (KVM001 error)');
    expect(lines.at(-1)).toBe('Group numbers are the expected ones (IDA order); membership is exact.');
  });

  it('json: the hosts the files declare, with the VMs of the files importing them; devices without a group; exit 2 on syntax errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iommu-groups-'));
    fs.writeFileSync(path.join(dir, 'host.iommu'), 'host h {\n    kernel 6.12\n    iommu u {\n        driver none\n    }\n    endpoint nic at 0000:01:00.0 {\n        driver vfio-pci\n    }\n}\n');
    fs.writeFileSync(path.join(dir, 'vms.iommu'), 'import "host.iommu"\nvm v on h {\n    assign nic\n}\n');
    const r = cli(['groups', path.join(dir, 'vms.iommu'), path.join(dir, 'host.iommu'), '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.version).toBe(1);
    expect(j.hosts.map((h: { name: string; path: string }) => [h.name, path.basename(h.path)])).toEqual([['h', 'host.iommu']]);
    expect(j.hosts[0].groups).toEqual([]);
    expect(j.hosts[0].ungrouped).toMatchObject([{ name: 'nic', bdf: '0000:01:00.0', vms: ['v'], reason: expect.stringContaining('no IOMMU unit translates this device') }]);
    // the VM file alone: the host it imports, with its VMs
    const alone = JSON.parse(cli(['groups', path.join(dir, 'vms.iommu'), '--format', 'json']).out);
    expect(alone.hosts.map((h: { name: string; path: string }) => [h.name, path.basename(h.path)])).toEqual([['h', 'host.iommu']]);
    expect(alone.hosts[0].ungrouped).toMatchObject([{ name: 'nic', vms: ['v'] }]);
    const broken = tmp('broken.iommu', 'host h {\n    kernel 6.12\n    endpoint e at 0000:01:00.0 {\n');
    const g = cli(['groups', broken]);
    expect(g.code).toBe(2);
    // stderr says why, with the position; the listing does not claim to be complete
    expect(g.err).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: .+ \\[SYN000\\]\n`));
    expect(g.err).toContain('1 file(s) with syntax errors: devices on lines the parser could not read are missing from their groups.');
    expect(g.out.trimEnd().split('\n').at(-1)).toBe('Group numbers are the expected ones (IDA order); membership is exact for what parsed: files with syntax errors may be missing devices (see stderr).');
  });
});

describe('iommu-topo groups json positions', () => {
  it('each host and device has a source like check json (relative path, 1-based), beside the LSP location (URI, 0-based)', () => {
    const j = JSON.parse(cli(['groups', 'examples/intel-nosnoop-gpu.iommu', '--format', 'json']).out);
    const lines = fs.readFileSync(path.join(root, 'examples/intel-nosnoop-gpu.iommu'), 'utf8').split('\n');
    const h = j.hosts[0];
    expect(h.source.path).toBe('examples/intel-nosnoop-gpu.iommu');
    // the location keeps its meaning: the same place, 0-based in the file's URI
    expect(h.location.uri).toBe(pathToFileURL(path.join(root, 'examples/intel-nosnoop-gpu.iommu')).href);
    expect(h.source.range.start).toEqual({ line: h.location.range.start.line + 1, column: h.location.range.start.character + 1 });
    const { start, end } = h.source.range;
    expect(lines[start.line - 1].slice(start.column - 1, end.column - 1)).toBe('xeon');
    const gpu = j.hosts[0].groups.flatMap((g: { devices: unknown[] }) => g.devices).find((d: { name: string }) => d.name === 'gpu');
    expect(gpu.source.path).toBe('examples/intel-nosnoop-gpu.iommu');
    expect(lines[gpu.source.range.start.line - 1].slice(gpu.source.range.start.column - 1, gpu.source.range.end.column - 1)).toBe('gpu');
  });
});

describe('iommu-topo fmt', () => {
  it('--check: clean examples exit 0; an unformatted file exits 1 and is not modified', () => {
    expect(cli(['fmt', '--check', 'examples']).code).toBe(0);
    const text = 'host h {kernel 6.12}\n';
    const f = tmp('ugly.iommu', text);
    const r = cli(['fmt', '--check', f]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('not formatted');
    expect(fs.readFileSync(f, 'utf8')).toBe(text);
  });

  it('rewrites in place', () => {
    const f = tmp('ugly.iommu', 'host h {kernel 6.12}\n');
    expect(cli(['fmt', f]).code).toBe(0);
    expect(fs.readFileSync(f, 'utf8')).toBe('host h {\n    kernel 6.12\n}\n');
  });

  it('a file with syntax errors: exit 2, its first syntax error as check reports it, file untouched', () => {
    const text = 'host h {\n    kernel 6.12\n    drivr x\n}\n';
    const f = tmp('bad.iommu', text);
    const firstSyntaxError = cli(['check', f]).out.split('\n').find((l) => / error: .*\[SYN000\]$/.test(l))!;
    expect(firstSyntaxError).toMatch(/^.*bad\.iommu:3:5: error: 'drivr' is not a host member \(expected one of: /);
    for (const args of [['fmt', f], ['fmt', '--check', f]]) {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`${firstSyntaxError}\n${f}: cannot format a file with syntax errors\n`);
      expect(r.out).toBe('');
    }
    expect(fs.readFileSync(f, 'utf8')).toBe(text);
  });

  it('an empty file is formatted and stays empty; a UTF-8 byte order mark is kept', () => {
    const empty = tmp('empty.iommu', '');
    expect(cli(['fmt', '--check', empty])).toMatchObject({ code: 0, out: '' });
    expect(cli(['fmt', empty])).toMatchObject({ code: 0, out: '' });
    expect(fs.readFileSync(empty, 'utf8')).toBe('');
    const bom = tmp('bom.iommu', '\uFEFFhost h {kernel 6.12}\n');
    expect(cli(['fmt', bom]).code).toBe(0);
    expect(fs.readFileSync(bom, 'utf8')).toBe('\uFEFFhost h {\n    kernel 6.12\n}\n');
    expect(cli(['fmt', '--check', bom])).toMatchObject({ code: 0, out: '' });
    expect(cli(['fmt', '--check', tmp('bomonly.iommu', '\uFEFF')])).toMatchObject({ code: 0, out: '' });
  });

  it('writes what the language server formatting gives an editor: a CRLF file stays CRLF to its end, a multi-line cmdline keeps its blanks, whitespace only becomes empty', async () => {
    const services = createIommuServices(EmptyFileSystem);
    const parse = parseHelper(services.Iommu);
    const cases: [string, string][] = [
      ['host h {kernel 6.12}\r\nhost g {\r\n}', 'host h {\r\n    kernel 6.12\r\n}\r\n\r\nhost g {\r\n}\r\n'],
      ['host h {\n    cmdline "quiet  \n  intel_iommu=on"   \n}\n', 'host h {\n    cmdline "quiet  \n  intel_iommu=on"\n}\n'],
      [' \n\t\n', ''],
    ];
    for (const [text, expected] of cases) {
      const f = tmp('le.iommu', text);
      expect(cli(['fmt', f]).code).toBe(0);
      expect(fs.readFileSync(f, 'utf8'), JSON.stringify(text)).toBe(expected);
      // the same edits as the server's formatting request
      const doc = await parse(text);
      const edits = await services.Iommu.lsp.Formatter!.formatDocument(doc, { textDocument: { uri: doc.uri.toString() }, options: { tabSize: 4, insertSpaces: true } });
      expect(TextDocument.applyEdits(doc.textDocument, edits)).toBe(expected);
    }
  });
});

describe('README', () => {
  it('rule table is the one generated from the rule metadata', () => {
    const table = cli(['rules', '--markdown']).out.trimEnd();
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(table);
    // every code the tool can emit has a row
    for (const code of ['IR001', 'KVM001', 'GRP001', 'VIA001', 'CC001', 'BDF001', 'SYN002', 'MDL001']) expect(table).toContain(`<a id="${code.toLowerCase()}"></a>`);
  });
});
