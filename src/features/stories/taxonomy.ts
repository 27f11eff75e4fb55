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
  /** Phrases that look like the theme but are not ("account executive" is not an executive sponsor). */
  exclude?: string[];
}

export const defaultTaxonomy: readonly Theme[] = [
  {
    id: 'adoption',
    name: 'Adoption',
    phrases: [
      'adoption', 'adopt', 'usage', 'active user', 'uptake', 'rollout', 'roll out', 'pilot', 'go live', 'went live',
      'start using', 'started using', 'stop using', 'stopped using', 'sign up', 'migrate', 'migration', 'switch to',
      'daily use', 'login', 'sign in', 'license', 'new tool', 'new platform', 'new system', 'launch', 'monthly active',
    ],
  },
  {
    id: 'champions',
    name: 'Champions',
    phrases: ['champion', 'power user', 'ambassador', 'advocate', 'evangelist', 'super user', 'superuser', 'early adopter', 'change agent', 'influencer', 'enthusiast', 'enthusiastic user', 'early user'],
  },
  {
    id: 'business-value',
    name: 'Business value and ROI',
    phrases: [
      'roi', 'return on investment', 'business value', 'business case', 'business outcome', 'revenue', 'cost', 'saving', 'save money',
      'save time', 'hours saved', 'hour a week', 'hours a week', 'productivity', 'efficiency', 'bottom line', 'profit', 'budget',
      'dollar', 'million', 'euro', 'save', 'productive', 'faster', 'quicker', 'half the time', 'speed up', 'expand', 'travel cost', 'downtime', 'time to market', 'sale', 'deal', 'cross-sell', 'upsell', 'pipeline',
    ],
  },
  {
    id: 'knowledge-management',
    name: 'Knowledge management',
    phrases: [
      'knowledge management', 'knowledge base', 'knowledge sharing', 'share knowledge', 'shared knowledge', 'best practice',
      'lesson learned', 'lessons learned', 'documentation', 'document', 'wiki', 'expertise', 'expert', 'tribal knowledge',
      'faq', 'reuse', 'template', 'same question', 'answer', 'playbook', 'know-how', 'find answer', 'search', 'repository', 'institutional knowledge',
    ],
  },
  {
    id: 'onboarding-training',
    name: 'Onboarding and training',
    phrases: [
      'onboarding', 'onboard', 'new hire', 'new joiner', 'new employee', 'new starter', 'new member', 'new user', 'newcomer', 'training', 'train', 'tutorial',
      'course', 'curriculum', 'ramp up', 'first week', 'first day', 'induction', 'mentor', 'mentoring', 'buddy', 'bootcamp',
      'certification', 'lunch and learn', 'office hours',
    ],
  },
  {
    id: 'events',
    name: 'Events and live events',
    phrases: [
      'event', 'live event', 'town hall', 'webinar', 'conference', 'meetup', 'hackathon', 'summit', 'all-hands', 'all hands',
      'ask me anything', 'ama', 'livestream', 'live stream', 'broadcast', 'keynote', 'roadshow', 'fair', 'festival', 'kickoff', 'community call', 'user group', 'open day', 'virtual event', 'session',
    ],
  },
  {
    id: 'executive-sponsorship',
    name: 'Executive sponsorship',
    phrases: [
      'executive', 'exec', 'ceo', 'cio', 'cfo', 'coo', 'cto', 'chief', 'vice president', 'vp', 'leadership', 'senior leader',
      'leadership team', 'board', 'sponsor', 'sponsorship', 'managing director', 'c-level', 'c-suite', 'president', 'head of',
    ],
    exclude: ['account executive', 'governance board', 'advisory board', 'review board', 'sales executive'],
  },
  {
    id: 'remote-hybrid',
    name: 'Remote and hybrid work',
    phrases: [
      'remote', 'remotely', 'hybrid', 'work from home', 'working from home', 'home office', 'distributed', 'time zone', 'timezone',
      'across site', 'frontline', 'deskless', 'field', 'shift worker', 'in the office', 'back to the office', 'async', 'asynchronous',
      'lockdown', 'commute', 'country', 'global', 'virtual', 'online', 'around the clock',
    ],
  },
  {
    id: 'customer-success',
    name: 'Customer success',
    phrases: [
      'customer success', 'customer satisfaction', 'csat', 'nps', 'net promoter', 'renewal', 'renew', 'churn', 'customer retention',
      'support ticket', 'ticket', 'escalation', 'help desk', 'helpdesk', 'call center', 'call centre', 'customer support',
      'customer service', 'customer experience', 'support case', 'support call', 'support agent', 'support team', 'resolution', 'response time', 'account manager', 'csm',
    ],
  },
  {
    id: 'community-management',
    name: 'Community management',
    phrases: [
      'community manager', 'community management', 'community call', 'community guideline', 'moderator', 'moderate', 'moderation',
      'engagement', 'engage', 'lurker', 'newsletter', 'member spotlight', 'welcome post', 'welcome new member', 'facilitate',
      'facilitator', 'community health', 'curate', 'participation', 'self-sustaining',
    ],
  },
  {
    id: 'governance',
    name: 'Governance',
    phrases: [
      'governance', 'policy', 'compliance', 'compliant', 'guideline', 'naming convention', 'lifecycle', 'retention policy',
      'data protection', 'gdpr', 'hipaa', 'security', 'permission', 'archive', 'audit', 'regulation', 'regulatory', 'legal',
      'approval', 'sprawl', 'sensitivity label', 'risk management', 'privacy', 'owner', 'access control',
    ],
  },
  {
    id: 'metrics',
    name: 'Metrics',
    phrases: [
      'metric', 'kpi', 'dashboard', 'measure', 'measurement', 'analytics', 'report', 'survey', 'baseline', 'benchmark', 'track',
      'tracking', 'percent', 'rate', 'volume', 'chart', 'percentage', 'statistic', 'stats', 'score', 'number', 'count',
    ],
  },
];
