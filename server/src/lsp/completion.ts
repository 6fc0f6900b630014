/**
 * Completion: Langium proposes keywords and cross-references (devices by name and BDF, hosts, IOMMUs);
 * we add the simulator's vocabulary for value positions (drivers, capabilities, MSI controllers, backends,
 * ACS flags, architectures, firmware kinds, page-table formats, host drivers, well-known module parameters).
 */
import { AstUtils, GrammarAST, type MaybePromise } from 'langium';
import { DefaultCompletionProvider, type CompletionAcceptor, type CompletionContext, type NextFeature } from 'langium/lsp';
import { CompletionItemKind } from 'vscode-languageserver';
import { isIommu } from '../language/generated/ast.js';
import {
  ACS_FLAGS,
  ARCHES,
  COMMON_DRIVERS,
  FIRMWARE_KINDS,
  IOMMU_CAPS,
  IOMMU_DRIVERS,
  MSI_CONTROLLERS,
  VFIO_BACKENDS,
  type Term,
} from '../../../src-core/src/vocabulary.js';

/** Well-known module parameters for `param`. */
export const MODULE_PARAMS: Term[] = [
  { name: 'vfio_iommu_type1.allow_unsafe_interrupts', doc: 'Let type1 attach groups without MSI isolation (VFIO-IR-01/02). Insecure: the guest can forge MSIs.' },
  { name: 'iommufd.allow_unsafe_interrupts', doc: 'Same for iommufd (IOMMUFD-IR-01/02); the type1 parameter is ignored on iommufd paths.' },
  { name: 'vfio_pci.disable_denylist', doc: 'Allow vfio-pci to bind devices on its denylist (VFIO-PCI-01).' },
];

const VOCABULARY: Record<string, Term[]> = {
  'ArchSetting.arch': ARCHES,
  'FirmwareSetting.kind': FIRMWARE_KINDS,
  'IommuDriverProp.driver': IOMMU_DRIVERS,
  'IommuCapsProp.caps': IOMMU_CAPS,
  'IommuMsiProp.controller': MSI_CONTROLLERS,
  'IommuPgtableProp.format': [
    { name: 'v1', doc: 'AMD v1 (host) page table: PTE FC bit forces coherency.' },
    { name: 'v2', doc: 'AMD v2 (guest-format) page table: no FC bit; coherency is reported but not enforced.' },
  ],
  'BackendProp.backend': VFIO_BACKENDS,
  'AcsProp.cap': ACS_FLAGS,
  'AcsProp.ctl': ACS_FLAGS,
  'AcsProp.firmwareCtl': ACS_FLAGS,
  'DriverProp.driver': COMMON_DRIVERS,
  'ModuleParam.name': MODULE_PARAMS,
  'VmmProp.vmm': ['qemu', 'cloud-hypervisor', 'crosvm', 'firecracker', 'libvirt'].map((name) => ({ name, doc: 'VMM' })),
};

export class IommuCompletionProvider extends DefaultCompletionProvider {
  protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor): MaybePromise<void> {
    const terms = this.vocabularyFor(context, next);
    if (terms) {
      for (const t of terms) {
        acceptor(context, { label: t.name, kind: CompletionItemKind.EnumMember, detail: t.doc, documentation: t.doc, sortText: '0' + t.name });
      }
      return;
    }
    return super.completionFor(context, next, acceptor);
  }

  /**
   * The vocabulary for a value position. Langium descends into the `Name` datatype rule, so the feature's
   * own rule is `Name`; the owning property comes from `next.property`, the owning rule from the assignment
   * when there is one, else from the AST node at the cursor (`driver` inside an `iommu` block vs a device).
   */
  private vocabularyFor(context: CompletionContext, next: NextFeature): Term[] | undefined {
    const assignment = AstUtils.getContainerOfType(next.feature, GrammarAST.isAssignment);
    if (GrammarAST.isCrossReference(assignment?.terminal)) return undefined;
    const rule = AstUtils.getContainerOfType(next.feature, GrammarAST.isParserRule);
    if (assignment && rule && VOCABULARY[`${rule.name}.${assignment.feature}`]) return VOCABULARY[`${rule.name}.${assignment.feature}`];
    const property = next.property ?? assignment?.feature;
    if (!property || (next.feature.$type !== 'RuleCall' && !assignment)) return undefined;
    const inIommu = !!context.node && !!AstUtils.getContainerOfType(context.node, isIommu);
    const owner = Object.keys(VOCABULARY).filter((k) => k.endsWith(`.${property}`));
    if (property === 'driver') return inIommu ? IOMMU_DRIVERS : COMMON_DRIVERS;
    return owner.length === 1 || owner.every((k) => VOCABULARY[k] === VOCABULARY[owner[0]]) ? VOCABULARY[owner[0]] : undefined;
  }
}
