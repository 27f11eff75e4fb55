/**
 * The default theme taxonomy for customer communities. Each theme is defined by words and
 * phrases in their dictionary form; they are matched on lemmas (see themes.ts), so "champion",
 * "champions" and "championing" all count, and a phrase matches as a sequence of lemmas
 * ("executive sponsor" matches "executive sponsors", "knowledge-management").
 *
 * The phrases were written from the practice (community managers' words), not from the
 * labelled test set; a team changes or adds themes with `@Coach themes add <name>: ...`.
 */
export interface Theme {
  /** Stable slug, used as the tag: `business-value`. */
  id: string;
  /** Display name: `Business value and ROI`. */
  name: string;
  phrases: string[];
}

export const defaultTaxonomy: readonly Theme[] = [
  {
    id: 'adoption',
    name: 'Adoption',
    phrases: [
      'adoption', 'adopt', 'usage', 'active user', 'uptake', 'rollout', 'roll out', 'pilot', 'go live', 'went live',
      'start using', 'started using', 'stop using', 'stopped using', 'sign up', 'migrate', 'migration', 'switch to',
      'daily use', 'login', 'license',
    ],
  },
  {
    id: 'champions',
    name: 'Champions',
    phrases: ['champion', 'power user', 'ambassador', 'advocate', 'evangelist', 'super user', 'superuser', 'early adopter', 'change agent', 'influencer'],
  },
  {
    id: 'business-value',
    name: 'Business value and ROI',
    phrases: [
      'roi', 'return on investment', 'business value', 'business case', 'business outcome', 'revenue', 'cost', 'saving', 'save money',
      'save time', 'hours saved', 'hour a week', 'hours a week', 'productivity', 'efficiency', 'bottom line', 'profit', 'budget',
      'dollar', 'million', 'euro', 'travel cost', 'downtime', 'time to market', 'sale', 'deal', 'cross-sell', 'upsell', 'pipeline',
    ],
  },
  {
    id: 'knowledge-management',
    name: 'Knowledge management',
    phrases: [
      'knowledge management', 'knowledge base', 'knowledge sharing', 'share knowledge', 'shared knowledge', 'best practice',
      'lesson learned', 'lessons learned', 'documentation', 'document', 'wiki', 'expertise', 'expert', 'tribal knowledge',
      'faq', 'reuse', 'playbook', 'know-how', 'find answer', 'search', 'repository', 'institutional knowledge',
    ],
  },
  {
    id: 'onboarding-training',
    name: 'Onboarding and training',
    phrases: [
      'onboarding', 'onboard', 'new hire', 'new joiner', 'new employee', 'new starter', 'training', 'train', 'learn', 'tutorial',
      'course', 'curriculum', 'ramp up', 'first week', 'first day', 'induction', 'mentor', 'mentoring', 'buddy', 'bootcamp',
      'certification', 'lunch and learn', 'office hours',
    ],
  },
  {
    id: 'events',
    name: 'Events and live events',
    phrases: [
      'event', 'live event', 'town hall', 'webinar', 'conference', 'meetup', 'hackathon', 'summit', 'all-hands', 'all hands',
      'ask me anything', 'ama', 'livestream', 'live stream', 'broadcast', 'keynote', 'roadshow', 'fair', 'festival', 'kickoff',
    ],
  },
  {
    id: 'executive-sponsorship',
    name: 'Executive sponsorship',
    phrases: [
      'executive', 'exec', 'ceo', 'cio', 'cfo', 'coo', 'cto', 'chief', 'vice president', 'vp', 'leadership', 'senior leader',
      'leadership team', 'board', 'sponsor', 'sponsorship', 'managing director', 'c-level', 'c-suite', 'president', 'head of',
    ],
  },
  {
    id: 'remote-hybrid',
    name: 'Remote and hybrid work',
    phrases: [
      'remote', 'remotely', 'hybrid', 'work from home', 'working from home', 'home office', 'distributed', 'time zone', 'timezone',
      'across site', 'frontline', 'deskless', 'field', 'shift worker', 'in the office', 'back to the office', 'async', 'asynchronous',
      'lockdown', 'commute', 'across country', 'global team',
    ],
  },
  {
    id: 'customer-success',
    name: 'Customer success',
    phrases: [
      'customer success', 'customer satisfaction', 'csat', 'nps', 'net promoter', 'renewal', 'renew', 'churn', 'retention',
      'support ticket', 'ticket', 'escalation', 'help desk', 'helpdesk', 'call center', 'call centre', 'customer support',
      'customer service', 'customer experience', 'case', 'resolution', 'response time', 'account manager', 'csm',
    ],
  },
  {
    id: 'community-management',
    name: 'Community management',
    phrases: [
      'community manager', 'community management', 'community call', 'community guideline', 'moderator', 'moderate', 'moderation',
      'engagement', 'engage', 'lurker', 'newsletter', 'member spotlight', 'welcome post', 'welcome new member', 'facilitate',
      'facilitator', 'community health', 'curate', 'network', 'member', 'participation', 'self-sustaining', 'thread',
    ],
  },
  {
    id: 'governance',
    name: 'Governance',
    phrases: [
      'governance', 'policy', 'compliance', 'compliant', 'guideline', 'naming convention', 'lifecycle', 'retention policy',
      'data protection', 'gdpr', 'hipaa', 'security', 'permission', 'archive', 'audit', 'regulation', 'regulatory', 'legal',
      'approval', 'sprawl', 'sensitivity label', 'risk', 'privacy', 'owner',
    ],
  },
  {
    id: 'metrics',
    name: 'Metrics',
    phrases: [
      'metric', 'kpi', 'dashboard', 'measure', 'measurement', 'analytics', 'report', 'survey', 'baseline', 'benchmark', 'track',
      'tracking', 'data', 'percent', 'percentage', 'statistic', 'stats', 'score', 'number', 'count',
    ],
  },
];
