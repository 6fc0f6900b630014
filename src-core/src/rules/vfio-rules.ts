import type { Rule } from './rule.js';

/** Rules about VFIO/iommufd viability, interrupt isolation, coherency, KVM and kernel versions. */
export const VFIO_RULES: Rule[] = [];
