/** The "did you mean" matcher lives in the core (src-core/src/suggest.ts), which the simulator's rules use too. */
export { closestTerm, editDistance } from '../../../src-core/src/suggest.js';
