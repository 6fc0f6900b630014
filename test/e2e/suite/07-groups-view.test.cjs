'use strict';
const assert = require('node:assert/strict');
const { vscode, EXTENSION_ID, open, waitForDiagnostics, hasCode } = require('./helpers.cjs');

/** The extension's API (`activate`'s result), once it is active. */
async function api() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** Poll the view's provider until `accept(view)` holds (a refresh per try), with a timeout. */
async function viewUntil(provider, uri, accept, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await provider.refresh();
    if (v && v.uri === uri.toString() && accept(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for the IOMMU Groups view of ${uri.path}; have ${JSON.stringify(v && v.hosts.map((h) => h.name))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('IOMMU Groups view', () => {
  it('shows the active file: host → iommu_group → devices, with the GPU and its audio function in one group', async () => {
    const { groupsView } = await api();
    const doc = await open('examples/desktop-gpu-passthrough.iommu');
    await waitForDiagnostics(doc.uri, hasCode('GRP002'), 30000, 'GRP002');
    await viewUntil(groupsView, doc.uri, (v) => v.hosts.length === 1);
    const [host] = groupsView.getChildren();
    assert.equal(groupsView.getTreeItem(host).label, 'host desktop');
    const groups = groupsView.getChildren(host);
    const gpuGroup = groups.find((g) => g.kind === 'group' && g.group.devices.some((d) => d.name === 'gpu'));
    assert.ok(gpuGroup, 'a group holds gpu');
    // the group's line: its unit, its default domain (the host boots with iommu=pt), its members, its VM
    const groupItem = groupsView.getTreeItem(gpuGroup);
    assert.equal(groupItem.description, 'ivhd0 · identity · 2 devices · VM win11');
    assert.match(groupItem.tooltip.value, /^Default domain `identity`: host default identity \(pass-through\), set by iommu=pt/);
    const devices = groupsView.getChildren(gpuGroup).map((n) => groupsView.getTreeItem(n));
    assert.deepEqual(devices.map((i) => i.label), ['gpu', 'gpu_audio']);
    assert.match(devices[0].description, /^0000:0a:00\.0 · vfio-pci · VM win11$/);
    // gpu carries GRP002 (info): its tooltip lists it, and clicking opens its declaration
    assert.match(devices[0].tooltip.value, /GRP002/);
    assert.equal(devices[0].command.command, 'vscode.open');
    assert.equal(devices[0].command.arguments[0].toString(), doc.uri.toString());
  });

  it('follows the active editor and an edit', async () => {
    const { groupsView } = await api();
    const doc = await open('fixtures/no-interrupt-remapping.iommu');
    await viewUntil(groupsView, doc.uri, (v) => v.hosts[0] && v.hosts[0].name === 'oldbox');
    const editor = vscode.window.activeTextEditor;
    const at = doc.getText().indexOf('endpoint gpu ') + 'endpoint '.length;
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 3)), 'vga'));
    const v = await viewUntil(groupsView, doc.uri, (x) => x.hosts[0].groups.some((g) => g.devices.some((d) => d.name === 'vga')));
    assert.ok(v.hosts[0].groups.every((g) => g.devices.every((d) => d.name !== 'gpu')));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
