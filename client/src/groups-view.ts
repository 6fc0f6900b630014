/**
 * The IOMMU Groups view (Explorer): the iommu_groups the simulator predicts for the topology file in the active
 * editor, host → group → device, from the language server's `iommu/groups` request. A device shows its BDF, driver
 * and the VMs that assign it; its tooltip says why it is in its group and lists its findings; clicking it opens
 * its declaration. The view follows the active editor and refreshes when the file's diagnostics change (they are
 * published after each validation, which is when the simulation changes).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GROUPS_REQUEST, type GroupsView, type GroupsViewDevice, type GroupsViewGroup, type GroupsViewHost, type GroupsViewParams, type GroupsViewProblem } from '../../server/src/protocol/groups-view.js';

export const GROUPS_VIEW_ID = 'iommu.groups';

/** One node of the tree. */
export type GroupsNode =
  | { kind: 'host'; host: GroupsViewHost }
  | { kind: 'group'; host: GroupsViewHost; group: GroupsViewGroup }
  | { kind: 'ungrouped'; host: GroupsViewHost; devices: GroupsViewDevice[] }
  | { kind: 'device'; device: GroupsViewDevice };

const RANK: Record<GroupsViewProblem['severity'], number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** The most severe of `problems`, or undefined if there are none. */
function worst(problems: readonly GroupsViewProblem[]): GroupsViewProblem['severity'] | undefined {
  let w: GroupsViewProblem['severity'] | undefined;
  for (const p of problems) if (!w || RANK[p.severity] < RANK[w]) w = p.severity;
  return w;
}

function severityIcon(s: GroupsViewProblem['severity'] | undefined, otherwise: string): vscode.ThemeIcon {
  if (s === 'error') return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  if (s === 'warning') return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  if (s === 'info') return new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground'));
  return new vscode.ThemeIcon(otherwise);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const vmsOf = (devices: readonly GroupsViewDevice[]) => [...new Set(devices.flatMap((d) => d.vms))];

/** `vfio-pci`, `no driver` (`driver none`) or nothing (not stated). */
function driverText(d: GroupsViewDevice): string | undefined {
  return d.driver === null ? 'no driver' : d.driver;
}

/** The tree item of `node` (exported for tests). */
export function treeItem(node: GroupsNode): vscode.TreeItem {
  switch (node.kind) {
    case 'host': {
      const h = node.host;
      const item = new vscode.TreeItem(`host ${h.name}`, vscode.TreeItemCollapsibleState.Expanded);
      item.description = h.heldBack ? 'simulation held back (SYN003)' : [h.kernel && `kernel ${h.kernel}`, plural(h.groups.length, 'group')].filter(Boolean).join(' · ');
      item.tooltip = h.heldBack ?? `${plural(h.groups.length, 'iommu_group')}${h.ungrouped.length ? `, ${plural(h.ungrouped.length, 'device')} without one` : ''}`;
      item.iconPath = new vscode.ThemeIcon(h.heldBack ? 'debug-pause' : 'server');
      item.contextValue = 'iommuHost';
      if (h.location) item.command = openCommand(h.location);
      return item;
    }
    case 'group': {
      const g = node.group;
      const problems = g.devices.flatMap((d) => d.problems);
      const item = new vscode.TreeItem(`iommu_group ${g.number}`, problems.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      const vms = vmsOf(g.devices);
      item.description = [g.iommu, g.domainType, g.devices.length === 1 ? g.devices[0].name : plural(g.devices.length, 'device'), vms.length ? `VM ${vms.join(', ')}` : undefined].filter(Boolean).join(' · ');
      const members = g.devices.map((d) => `- **${d.name}** \`${d.bdf}\`: ${d.reason}`).join('\n');
      item.tooltip = new vscode.MarkdownString(g.domainType ? `Default domain \`${g.domainType}\`: ${g.domainWhy ?? ''}\n\n${members}` : members);
      item.iconPath = severityIcon(worst(problems), 'symbol-namespace');
      item.contextValue = 'iommuGroup';
      return item;
    }
    case 'ungrouped': {
      const item = new vscode.TreeItem('no iommu_group', vscode.TreeItemCollapsibleState.Collapsed);
      item.description = plural(node.devices.length, 'device');
      item.tooltip = 'Devices no IOMMU unit translates: VFIO cannot assign them';
      item.iconPath = new vscode.ThemeIcon('circle-slash');
      return item;
    }
    case 'device': {
      const d = node.device;
      const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.None);
      item.description = [d.bdf, driverText(d), d.vms.length ? `VM ${d.vms.join(', ')}` : undefined].filter(Boolean).join(' · ');
      const md = new vscode.MarkdownString(`**${d.kind} ${d.name}** \`${d.bdf}\`\n\n${d.reason}`);
      if (d.problems.length) md.appendMarkdown('\n\n' + d.problems.map((p) => `- ${p.severity} **${p.code}**: ${p.message}`).join('\n'));
      item.tooltip = md;
      item.iconPath = severityIcon(worst(d.problems), d.kind === 'endpoint' || d.kind === 'legacy-endpoint' || d.kind === 'rciep' ? 'circuit-board' : 'type-hierarchy');
      item.contextValue = 'iommuDevice';
      if (d.location) item.command = openCommand(d.location);
      return item;
    }
  }
}

function openCommand(location: NonNullable<GroupsViewDevice['location']>): vscode.Command {
  const r = location.range;
  const selection = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
  return { title: 'Open declaration', command: 'vscode.open', arguments: [vscode.Uri.parse(location.uri), { selection } satisfies vscode.TextDocumentShowOptions] };
}

/** Tree data of the view: the last answer of the server for the active topology file. */
export class GroupsViewProvider implements vscode.TreeDataProvider<GroupsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<GroupsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The view shown, or undefined when no topology file is active (or the server had none). */
  current: GroupsView | undefined;
  /** Set by the view: the message shown instead of a tree. */
  onMessage: (message: string | undefined) => void = () => {};
  private uri: vscode.Uri | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly getClient: () => LanguageClient | undefined) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.follow()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        // the file's own diagnostics, or another topology file's: a VM file importing this host adds its VMs to the view
        if (this.uri && e.uris.some((u) => u.toString() === this.uri!.toString() || u.path.endsWith('.iommu'))) this.schedule();
      }),
    );
  }

  /** Show the active editor's file if it is a topology file (a non-topology editor keeps the last one shown). */
  follow(): void {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'iommu') {
      if (!this.uri) this.onMessage('Open a topology file (.iommu) to see its IOMMU groups.');
      return;
    }
    if (this.uri?.toString() !== doc.uri.toString()) {
      this.uri = doc.uri;
      this.schedule(0);
    }
  }

  /** Ask the server again, after `delay` ms (diagnostics of one build come in bursts). */
  schedule(delay = 150): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  /** Ask the server for the view of the current file now; resolves when the tree has it. */
  async refresh(): Promise<GroupsView | undefined> {
    const client = this.getClient();
    const uri = this.uri;
    if (!client || !uri) return undefined;
    const seq = ++this.seq;
    let view: GroupsView | null = null;
    try {
      await client.start();
      view = await client.sendRequest<GroupsView | null>(GROUPS_REQUEST, { uri: client.code2ProtocolConverter.asUri(uri) } satisfies GroupsViewParams);
    } catch (err) {
      if (seq === this.seq) this.onMessage(`The language server did not answer: ${(err as Error).message}`);
      return undefined;
    }
    if (seq !== this.seq) return this.current; // a later request is on its way
    this.current = view ?? undefined;
    this.onMessage(!view ? 'The language server has not loaded this file.' : view.hosts.length ? undefined : 'This file declares no host (and imports none).');
    this.changed.fire(undefined);
    return this.current;
  }

  getTreeItem(node: GroupsNode): vscode.TreeItem {
    return treeItem(node);
  }

  getChildren(node?: GroupsNode): GroupsNode[] {
    if (!node) return (this.current?.hosts ?? []).map((host) => ({ kind: 'host', host }));
    switch (node.kind) {
      case 'host': {
        const out: GroupsNode[] = node.host.groups.map((group) => ({ kind: 'group', host: node.host, group }));
        if (node.host.ungrouped.length) out.push({ kind: 'ungrouped', host: node.host, devices: node.host.ungrouped });
        return out;
      }
      case 'group':
        return node.group.devices.map((device) => ({ kind: 'device', device }));
      case 'ungrouped':
        return node.devices.map((device) => ({ kind: 'device', device }));
      case 'device':
        return [];
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** Register the view and its refresh command; returns the provider (the extension's API exposes it to tests). */
export function registerGroupsView(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): GroupsViewProvider {
  const provider = new GroupsViewProvider(getClient);
  const view = vscode.window.createTreeView(GROUPS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  provider.onMessage = (m) => {
    view.message = m;
  };
  context.subscriptions.push(
    provider,
    view,
    vscode.commands.registerCommand('iommu.groups.refresh', () => provider.refresh()),
  );
  provider.follow();
  return provider;
}
