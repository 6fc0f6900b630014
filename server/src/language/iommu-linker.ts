/**
 * Langium's linker and reference indexer with a cheaper walk: Langium visits every AST node with a stream,
 * awaits a cancellation check per node and scans every property for references. Here the references are
 * collected in one plain walk that reads only the properties the reflection declares as references
 * ({@link ReferenceProperties}), and cancellation is checked every 256 references. Resolution itself
 * (`doLink`, the scope provider, linking errors) and the order are Langium's.
 */
import {
  Cancellation,
  DefaultLinker,
  DefaultReferenceDescriptionProvider,
  interruptAndCheck,
  type LangiumCoreServices,
  type LangiumDocument,
  type ReferenceDescription,
} from 'langium';
import { ReferenceProperties } from './ast-walk.js';

type CancellationToken = Cancellation.CancellationToken;
const CancellationToken = Cancellation.CancellationToken;

export class IommuLinker extends DefaultLinker {
  private readonly referenceProperties: ReferenceProperties;

  constructor(services: LangiumCoreServices) {
    super(services);
    this.referenceProperties = new ReferenceProperties(services.shared.AstReflection);
  }

  override async link(document: LangiumDocument, cancelToken: CancellationToken = CancellationToken.None): Promise<void> {
    if (this.profiler?.isActive('linking')) return super.link(document, cancelToken);
    const refs = this.referenceProperties.collect(document.parseResult.value);
    for (let i = 0; i < refs.length; i++) {
      if ((i & 255) === 0) await interruptAndCheck(cancelToken);
      this.doLink(refs[i], document);
    }
  }
}

export class IommuReferenceDescriptionProvider extends DefaultReferenceDescriptionProvider {
  private readonly referenceProperties: ReferenceProperties;

  constructor(services: LangiumCoreServices) {
    super(services);
    this.referenceProperties = new ReferenceProperties(services.shared.AstReflection);
  }

  override async createDescriptions(document: LangiumDocument, cancelToken: CancellationToken = CancellationToken.None): Promise<ReferenceDescription[]> {
    const out: ReferenceDescription[] = [];
    const refs = this.referenceProperties.collect(document.parseResult.value);
    for (let i = 0; i < refs.length; i++) {
      if ((i & 255) === 0) await interruptAndCheck(cancelToken);
      if (!refs[i].reference.error) out.push(...this.createInfoDescriptions(refs[i]));
    }
    return out;
  }
}
