import { grpAcsTimingRule } from './grp-acs-timing.js';
import { grpAcsUnknownRule } from './grp-acs-unknown.js';
import { grpObservedRule } from './grp-observed.js';
import { grpSharedGroupRule } from './grp-shared-group.js';
import { grpSwitchP2pRule } from './grp-switch-p2p.js';
import type { Rule } from './rule.js';

/** Rules about iommu_group formation (GRP-*). Owned by the grouping work; one file per rule. */
export const GROUP_RULES: Rule[] = [grpSwitchP2pRule, grpSharedGroupRule, grpObservedRule, grpAcsUnknownRule, grpAcsTimingRule];
