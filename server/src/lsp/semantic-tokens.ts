/**
 * Semantic tokens: declarations (hosts, IOMMUs, devices, VMs, HWPTs), references, BDFs and IDs as numbers,
 * vocabulary values as enum members. The TextMate grammar colours keywords; this adds meaning.
 */
import { GrammarUtils, type AstNode } from 'langium';
import { AbstractSemanticTokenProvider, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';
import {
  isAcsProp,
  isArchSetting,
  isAssignProp,
  isBackendProp,
  isClassProp,
  isDeviceIommuProp,
  isDriverProp,
  isFirmwareSetting,
  isHost,
  isHwptDecl,
  isIdProp,
  isIommu,
  isIommuCapsProp,
  isIommuDriverProp,
  isIommuMsiProp,
  isIommuPgtableProp,
  isIommuRegisterProp,
  isKernelSetting,
  isModuleParam,
  isPciDevice,
  isVm,
  isVmmProp,
} from '../language/generated/ast.js';

const DECL = [SemanticTokenModifiers.declaration];

export class IommuSemanticTokenProvider extends AbstractSemanticTokenProvider {
  protected highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
    const all = (property: string, type: string, modifier?: string[]) => {
      const cst = node.$cstNode;
      if (!cst) return;
      for (const c of GrammarUtils.findNodesForProperty(cst, property)) acceptor({ cst: c, type, modifier });
    };
    if (isHost(node)) all('name', SemanticTokenTypes.namespace, DECL);
    else if (isIommu(node)) all('name', SemanticTokenTypes.class, DECL);
    else if (isPciDevice(node)) {
      all('name', SemanticTokenTypes.variable, DECL);
      all('bdf', SemanticTokenTypes.number);
    } else if (isVm(node)) {
      all('name', SemanticTokenTypes.struct, DECL);
      all('host', SemanticTokenTypes.namespace);
    } else if (isHwptDecl(node)) {
      all('name', SemanticTokenTypes.variable, DECL);
      all('devices', SemanticTokenTypes.variable);
    } else if (isAssignProp(node)) all('devices', SemanticTokenTypes.variable);
    else if (isDeviceIommuProp(node)) all('iommu', SemanticTokenTypes.class);
    else if (isKernelSetting(node)) all('version', SemanticTokenTypes.number);
    else if (isIdProp(node)) {
      all('ids', SemanticTokenTypes.number);
      all('subsystem', SemanticTokenTypes.number);
    } else if (isClassProp(node)) all('code', SemanticTokenTypes.number);
    else if (isIommuRegisterProp(node)) all('value', SemanticTokenTypes.number);
    else if (isModuleParam(node)) all('name', SemanticTokenTypes.property);
    else if (isAcsProp(node)) ['cap', 'ctl', 'firmwareCtl'].forEach((p) => all(p, SemanticTokenTypes.enumMember));
    else if (isIommuCapsProp(node)) all('caps', SemanticTokenTypes.enumMember);
    else if (isIommuDriverProp(node) || isDriverProp(node)) all('driver', SemanticTokenTypes.enumMember);
    else if (isIommuMsiProp(node)) all('controller', SemanticTokenTypes.enumMember);
    else if (isIommuPgtableProp(node)) all('format', SemanticTokenTypes.enumMember);
    else if (isBackendProp(node)) all('backend', SemanticTokenTypes.enumMember);
    else if (isArchSetting(node)) all('arch', SemanticTokenTypes.enumMember);
    else if (isFirmwareSetting(node)) all('kind', SemanticTokenTypes.enumMember);
    else if (isVmmProp(node)) all('vmm', SemanticTokenTypes.enumMember);
  }
}
