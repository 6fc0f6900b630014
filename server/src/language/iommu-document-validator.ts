/**
 * Langium's document validator, with the per-node loop made cheaper: Langium awaits a cancellation check
 * and every (synchronous) check for each AST node, and rebuilds the check list per node. Topology files
 * have tens of thousands of nodes and few checks, so here the check lists are built once per node type
 * per run, synchronous checks are not awaited, the tree is walked with a plain recursion ({@link walkAst})
 * instead of a stream and without reading the properties of nodes of leaf types ({@link leafTypes}), only
 * nodes with checks are queued, and cancellation is checked every 256 of them (Langium itself only yields
 * every 10 ms). Diagnostic ranges of a property come from {@link findPropertyCst}, which finds the same CST
 * node as Langium's lookup. Behaviour is otherwise the same (same order, same pruning options).
 */
import { Cancellation, DefaultDocumentValidator, interruptAndCheck, type AstNode, type DiagnosticInfo, type LangiumCoreServices, type ValidationAcceptor, type ValidationOptions } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { walkAst } from './ast-walk.js';
import { findPropertyCst } from './cst-lookup.js';
import { leafTypes } from './grammar-leaves.js';

type CancellationToken = Cancellation.CancellationToken;
const CancellationToken = Cancellation.CancellationToken;

type Check = (node: AstNode, accept: ValidationAcceptor, token: CancellationToken) => unknown;

export class IommuDocumentValidator extends DefaultDocumentValidator {
  /** Node types that never contain AST nodes (from the grammar): the walk does not read their properties. */
  private readonly leaves: ReadonlySet<string>;

  constructor(services: LangiumCoreServices) {
    super(services);
    this.leaves = leafTypes(services.Grammar);
  }

  protected override async validateAstNodes(rootNode: AstNode, options: ValidationOptions, acceptor: ValidationAcceptor, cancelToken = CancellationToken.None): Promise<void> {
    if (this.profiler?.isActive('validating')) return super.validateAstNodes(rootNode, options, acceptor, cancelToken);
    const byType = new Map<string, Check[]>();
    const checksOf = (type: string): Check[] => {
      let checks = byType.get(type);
      if (!checks) byType.set(type, (checks = this.validationRegistry.getChecks(type, options.categories).toArray() as Check[]));
      return checks;
    };
    // only nodes that have checks are queued: most nodes of a topology file (names, values, references)
    // have none, and an entry per node is most of what this loop would allocate
    const nodes: AstNode[] = [];
    const leaves = this.leaves;
    walkAst(rootNode, (node) => {
      const nodeOptions = this.validateSingleNodeOptions(node, options);
      if (nodeOptions.validateNode && checksOf(node.$type).length > 0) nodes.push(node);
      return nodeOptions.validateChildren && !leaves.has(node.$type);
    });
    for (let n = 0; n < nodes.length; n++) {
      if ((n & 255) === 255) await interruptAndCheck(cancelToken);
      const node = nodes[n];
      const checks = byType.get(node.$type)!;
      // indexed loop: in this async function `for…of` keeps an array iterator per node
      for (let c = 0; c < checks.length; c++) {
        const r = checks[c](node, acceptor, cancelToken);
        if (r && typeof (r as Promise<void>).then === 'function') await r;
      }
    }
  }

  protected override toDiagnostic<N extends AstNode>(severity: 'error' | 'warning' | 'info' | 'hint', message: string, info: DiagnosticInfo<N, string>): Diagnostic {
    if (!info.range && typeof info.property === 'string') {
      const cst = findPropertyCst(info.node.$cstNode, info.property, info.index) ?? info.node.$cstNode;
      if (cst) return super.toDiagnostic(severity, message, { ...info, range: cst.range });
    }
    return super.toDiagnostic(severity, message, info);
  }
}
