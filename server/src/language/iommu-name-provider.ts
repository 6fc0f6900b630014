/**
 * Which nodes are declarations (Langium's `NameProvider`).
 *
 * Langium's default takes every node with a string `name` property as a declaration named by it. A module
 * parameter line (`param vfio_iommu_type1.allow_unsafe_interrupts = 1`) has a `name` too, but it is a setting,
 * not something references point to: its name is the kernel's, and changing it changes what the line sets
 * (`allow_unsafe_interrupts` → `foo` turns IR002 into IR001). Treating it as a declaration made it renameable
 * (prepareRename took only the last segment, rename replaced the whole dotted name), a "reference" of itself for
 * find-references and highlight, and an entry in the outline beside the hosts and devices. Here it has no name,
 * so rename, references, highlight and document symbols pass it by, as they do `kernel` and `cmdline` lines.
 */
import { DefaultNameProvider, type AstNode, type CstNode } from 'langium';
import { isModuleParam } from './generated/ast.js';

export class IommuNameProvider extends DefaultNameProvider {
  /** The declared name of `node`, or undefined when `node` declares nothing (a `param` line: module comment). */
  override getName(node: AstNode): string | undefined {
    return isModuleParam(node) ? undefined : super.getName(node);
  }

  /** The CST node of the declared name, or undefined when `node` declares nothing (a `param` line). */
  override getNameNode(node: AstNode): CstNode | undefined {
    return isModuleParam(node) ? undefined : super.getNameNode(node);
  }
}
