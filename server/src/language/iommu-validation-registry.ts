/**
 * Langium's validation registry with a synchronous exception wrapper. Langium wraps every registered check
 * in two async functions (`wrapValidationException` → `handleException`), so each check call on each AST
 * node allocates promises and must be awaited, even for the synchronous checks that are almost all of ours;
 * on a 1k-device file that was a third of the validation's allocations. Here a synchronous check is called
 * directly and its exception handled at once; a check that returns a promise is handled when it settles.
 * Error reporting is Langium's: cancellation is rethrown, anything else is logged and becomes an error
 * diagnostic on the node ("An error occurred during validation: …").
 */
import { ValidationRegistry, isOperationCancelled, type AstNode, type ValidationAcceptor, type ValidationCategory, type ValidationCheck } from 'langium';

export class IommuValidationRegistry extends ValidationRegistry {
  /**
   * {@link checksOf} answers by node type and categories, valid until a check is registered ({@link addEntry} clears
   * it). Langium's `getChecks` builds a stream chain per call; the document validator asks once per node type per run.
   */
  private readonly checkLists = new Map<string, readonly ValidationCheck[]>();

  protected override addEntry(type: string, entry: Parameters<ValidationRegistry['addEntry']>[1]): void {
    this.checkLists.clear();
    super.addEntry(type, entry);
  }

  /**
   * The checks for nodes of `type` in `categories` (all when undefined), as an array: the same checks in the same
   * order as `getChecks(type, categories)`. Do not mutate the result.
   */
  checksOf(type: string, categories?: readonly ValidationCategory[]): readonly ValidationCheck[] {
    const key = categories ? `${type}\0${categories.join('\0')}` : type;
    let list = this.checkLists.get(key);
    if (!list) this.checkLists.set(key, (list = this.getChecks(type, categories as ValidationCategory[] | undefined).toArray()));
    return list;
  }

  protected override wrapValidationException(check: ValidationCheck, thisObj: unknown): ValidationCheck {
    return (node, accept, cancelToken) => {
      let result: unknown;
      try {
        result = check.call(thisObj, node, accept, cancelToken);
      } catch (err) {
        reportCheckError(err, accept, node);
        return;
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        return (result as Promise<void>).then(undefined, (err: unknown) => reportCheckError(err, accept, node));
      }
      return undefined;
    };
  }
}

/** What Langium's `handleException` does with an exception thrown by a check. */
function reportCheckError(err: unknown, accept: ValidationAcceptor, node: AstNode): void {
  if (isOperationCancelled(err)) throw err;
  const messageContext = 'An error occurred during validation';
  console.error(`${messageContext}:`, err);
  if (err instanceof Error && err.stack) console.error(err.stack);
  const messageDetails = err instanceof Error ? err.message : String(err);
  accept('error', `${messageContext}: ${messageDetails}`, { node });
}
