/**
 * Language server entry (bundled to server/out/main.cjs). Transport from argv: `--stdio`, `--node-ipc`,
 * `--socket=N` (vscode-languageserver picks it).
 */
import './polyfill.js';
import { NodeFileSystem } from 'langium/node';
import { startLanguageServer } from 'langium/lsp';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createIommuServices } from './language/iommu-module.js';
import { installGroupsView } from './lsp/groups-view.js';
import { installKernelUpgrade } from './lsp/kernel-upgrade.js';
import { installSettings } from './lsp/settings.js';

const connection = createConnection(ProposedFeatures.all);
const { shared, Iommu } = createIommuServices({ connection, ...NodeFileSystem });
installSettings(shared, Iommu);
installGroupsView(shared, Iommu);
installKernelUpgrade(shared, Iommu);
// validate every topology file of the workspace at start-up, not only the open ones (Problems panel)
shared.workspace.WorkspaceManager.initialBuildOptions = { validation: true };
startLanguageServer(shared);
