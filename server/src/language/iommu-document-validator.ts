/**
 * Langium's document validator, with the per-node loop made cheaper: Langium awaits a cancellation check
 * and every (synchronous) check for each AST node, and rebuilds the check list per node. Topology files
 * have tens of thousands of nodes and few checks, so here the check lists are built once per node type
 * per run, synchronous checks are not awaited, and cancellation is checked every 256 nodes (Langium itself
 * only yields every 10 ms). Behaviour is otherwise the same (same order, same pruning options).
 */
import { AstUtils, Cancellation, DefaultDocumentValidator, interruptAndCheck, type AstNode, type ValidationAcceptor, type ValidationOptions } from 'langium';

type CancellationToken = Cancellation.CancellationToken;
const CancellationToken = Cancellation.CancellationToken;

type Check = (node: AstNode, accept: ValidationAcceptor, token: CancellationToken) => unknown;

export class IommuDocumentValidator extends DefaultDocumentValidator {
  protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor, cancelToken = CancellationToken.None): Promise<void> {
    if (this.profiler?.isActive('validating')) return super.validateAstNodes(rootNode, options, acceptor, cancelToken);
    const byType = new Map<string, Check[]>();
    const nodes = AstUtils.streamAst(rootNode).iterator();
    let n = 0;
    for (const node of nodes) {
      if ((++n & 255) === 0) await interruptAndCheck(cancelToken);
      const nodeOptions = this.validateSingleNodeOptions(node, options);
      if (nodeOptions.validateNode) {
        let checks = byType.get(node.$type);
        if (!checks) byType.set(node.$type, (checks = this.validationRegistry.getChecks(node.$type, options.categories).toArray() as Check[]));
        for (const check of checks) {
          const r = check(node, acceptor, cancelToken);
          if (r && typeof (r as Promise<void>).then === 'function') await r;
        }
      }
      if (!nodeOptions.validateChildren) nodes.prune();
    }
  }
}
