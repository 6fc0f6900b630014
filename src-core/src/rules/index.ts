import { archUnmodelledRule } from './arch-unmodelled.js';
import { domObservedRule } from './dom-observed.js';
import { domPassthroughRule } from './dom-passthrough.js';
import { GROUP_RULES } from './group-rules.js';
import { deviceInTwoHwptsRule, hwptWithoutCdevRule } from './mdl-hwpt.js';
import { paramLineRule } from './mdl-param-line.js';
import { MODEL_RULES } from './model-rules.js';
import type { Rule } from './rule.js';
import { VFIO_RULES } from './vfio-rules.js';

/** Every rule, in evaluation order. The README rule table is generated from their `meta`. */
export const ALL_RULES: Rule[] = [archUnmodelledRule, ...MODEL_RULES, paramLineRule, hwptWithoutCdevRule, deviceInTwoHwptsRule, ...GROUP_RULES, domPassthroughRule, domObservedRule, ...VFIO_RULES];

/** Rule metadata by code. */
export const RULES = new Map(ALL_RULES.map((r) => [r.meta.code, r.meta]));
