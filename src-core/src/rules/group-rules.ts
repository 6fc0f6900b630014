import type { Rule } from './rule.js';

/** Rules about iommu_group formation (GRP-*). Owned by the grouping work; one file per rule. */
export const GROUP_RULES: Rule[] = [];
