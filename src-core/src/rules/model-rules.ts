import type { Rule } from './rule.js';

/** Consistency checks on the model itself (MDL-*), before any kernel behaviour. */
export const MODEL_RULES: Rule[] = [];
