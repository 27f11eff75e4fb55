import type { Theme } from '../features/stories/taxonomy';

/**
 * Cue words per theme, broader than the phrase lists people see and edit (taxonomy.ts): how
 * people say the thing in other words. They are evidence for the learned model (feature
 * `l:<theme>`), never a decision on their own: the model learns how much each list counts, and
 * the words of the story still decide. Written from community and customer-success practice,
 * not lifted from the labelled stories.
 */
export const lexicon: readonly Theme[] = [
  {
    id: 'adoption',
    name: 'adoption',
    phrases: [
      'adopt', 'adoption', 'uptake', 'usage', 'use it', 'using it', 'start using', 'stop using', 'no longer use', 'nobody use', 'nobody open',
      'rollout', 'roll out', 'go live', 'go-live', 'went live', 'launch', 'switch to', 'switch over', 'move to', 'move over', 'migrate', 'migration',
      'log in', 'login', 'sign in', 'daily use', 'habit', 'old habit', 'old way', 'old tool', 'old system', 'new tool', 'new system', 'new app',
      'spreadsheet', 'paper', 'pilot', 'phase', 'wave', 'licence', 'license', 'active user', 'resistance', 'sceptical', 'skeptical', 'holdout',
      'take off', 'catch on', 'mandatory', 'only place', 'replace', 'moved in', 'follow', 'try it', 'tried it', 'open the app', 'open it',
      'read-only', 'read only', 'switch off', 'switched off', 'turn off', 'go back to', 'went back to', 'never went back', 'sign up', 'install',
      'forget it exists', 'late majority', 'latecomer', 'last to move', 'come back', 'daily visit',
    ],
  },
  {
    id: 'champions',
    name: 'champions',
    phrases: [
      'champion', 'power user', 'super user', 'superuser', 'ambassador', 'advocate', 'evangelist', 'enthusiast', 'enthusiastic', 'volunteer',
      'go-to', 'go to person', 'helper', 'local hero', 'early adopter', 'top contributor', 'most active member', 'nominate', 'badge',
      'recognition', 'thank-you', 'shoutout', 'shout out', 'network lead', 'digital helper', 'one person per', 'in their spare time',
    ],
  },
  {
    id: 'business-value',
    name: 'business-value',
    phrases: [
      'roi', 'return on investment', 'business case', 'business value', 'value', 'worth', 'save', 'saving', 'saved', 'cost', 'spend', 'budget',
      'revenue', 'profit', 'margin', 'sale', 'deal', 'pipeline', 'productivity', 'productive', 'efficiency', 'faster', 'hour', 'day faster',
      'downtime', 'overtime', 'headcount', 'full-time', 'consultant', 'consultancy', 'dollar', 'euro', 'million', 'paid for itself', 'output',
      'time to market', 'half the time', 'cut', 'avoid', 'fewer trucks', 'shrinkage', 'turnover', 'expansion', 'upsell', 'bid', 'tender',
    ],
  },
  {
    id: 'knowledge-management',
    name: 'knowledge-management',
    phrases: [
      'knowledge', 'know-how', 'expertise', 'expert', 'answer', 'same question', 'ask', 'find', 'findable', 'search', 'searchable', 'faq',
      'wiki', 'documentation', 'document', 'guide', 'how-to', 'how to', 'runbook', 'playbook', 'checklist', 'template', 'library', 'glossary',
      'lesson', 'lessons learned', 'lesson learned', 'best practice', 'tip', 'trick', 'fix', 'workaround', 'handover', 'hand over', 'write down',
      'knowledge base', 'article', 'known problem', 'known issue', 'single place', 'current version', 'who knows how', 'same problem', 'notes',
      'written down', 'reuse', 'share', 'shared', 'who knows', 'in her head', 'in his head', 'retire', 'tribal', 'pinned', 'pin', 'thread',
    ],
  },
  {
    id: 'onboarding-training',
    name: 'onboarding-training',
    phrases: [
      'onboarding', 'onboard', 'induction', 'new hire', 'new starter', 'new joiner', 'new colleague', 'new member', 'new people', 'newcomer',
      'first day', 'first week', 'first month', 'first 90 days', 'new employee', 'graduate', 'intern', 'apprentice', 'trainee', 'junior',
      'training', 'course', 'module', 'tutorial', 'video', 'learn', 'learning', 'teach', 'mentor', 'mentoring', 'buddy', 'shadow', 'cohort',
      'ramp up', 'ramp-up', 'bootcamp', 'certification', 'certified', 'quiz', 'class', 'lesson plan', 'getting started', 'start here',
    ],
  },
  {
    id: 'events',
    name: 'events',
    phrases: [
      'event', 'webinar', 'town hall', 'all-hands', 'all hands', 'meetup', 'meet-up', 'conference', 'summit', 'hackathon', 'kickoff', 'kick-off',
      'livestream', 'live stream', 'stream', 'broadcast', 'keynote', 'session', 'office hours', 'drop-in', 'clinic', 'workshop', 'roundtable',
      'panel', 'fair', 'offsite', 'gathering', 'ama', 'ask me anything', 'ask us anything', 'community call', 'user group', 'user day',
      'open day', 'open house', 'breakfast', 'coffee', 'quiz', 'demo', 'show-and-tell', 'show and tell', 'recording', 'registration',
      'attend', 'attendance', 'attendee', 'speaker', 'agenda', 'room', 'in person', 'face-to-face', 'virtual', 'online', 'live',
      'lunch and learn', 'brown bag', 'get-together', 'get together', 'open q&a', 'drop in', 'save the date', 'user call', 'jury', 'pitch',
    ],
  },
  {
    id: 'executive-sponsorship',
    name: 'executive-sponsorship',
    phrases: [
      'ceo', 'cfo', 'cio', 'coo', 'cto', 'chief', 'executive', 'vp', 'vice president', 'president', 'director', 'managing director', 'board',
      'leadership', 'leadership team', 'leader', 'senior leader', 'head of', 'sponsor', 'sponsorship', 'steering committee', 'founder',
      'general manager', 'management', 'buy-in', 'endorse', 'endorsement', 'approve the budget', 'from the top', 'mayor', 'minister',
    ],
  },
  {
    id: 'remote-hybrid',
    name: 'remote-hybrid',
    phrases: [
      'remote', 'remotely', 'hybrid', 'work from home', 'working from home', 'from home', 'home office', 'distributed', 'time zone', 'timezone',
      'frontline', 'front line', 'deskless', 'shop floor', 'field', 'on the road', 'site', 'sites', 'plant', 'depot', 'store', 'branch',
      'shift', 'night shift', 'night crew', 'crew', 'office day', 'async', 'asynchronous', 'across the world', 'country', 'countries',
      'region', 'global', 'overnight', 'around the clock', 'phone', 'tablet', 'truck', 'driver', 'other side of the world', 'offshore',
    ],
  },
  {
    id: 'customer-success',
    name: 'customer-success',
    phrases: [
      'customer', 'client', 'account', 'renewal', 'renew', 'churn', 'retention', 'satisfaction', 'csat', 'nps', 'net promoter', 'escalation',
      'escalate', 'ticket', 'support', 'help desk', 'helpdesk', 'service desk', 'call centre', 'call center', 'complaint', 'csm',
      'success manager', 'account manager', 'qbr', 'health score', 'at risk', 'cancel', 'leave us', 'stay', 'reference customer', 'user forum',
      'peer', 'expansion', 'expand', 'contract', 'vendor', 'partner',
      'user group', 'user circle', 'advisory board', 'success plan', 'walk away', 'unhappy', 'goodwill', 'reference',
    ],
  },
  {
    id: 'community-management',
    name: 'community-management',
    phrases: [
      'community manager', 'community management', 'community', 'host', 'moderator', 'moderate', 'moderation', 'engagement', 'engage',
      'welcome', 'welcome thread', 'introduce', 'lurker', 'quiet', 'reader', 'first post', 'participation', 'member', 'members', 'newsletter',
      'digest', 'roundup', 'spotlight', 'member of the month', 'guideline', 'house rule', 'code of conduct', 'tone', 'off-topic', 'ritual',
      'prompt', 'theme of the month', 'curate', 'seed', 'nudge', 'tag', 'unanswered', 'thank', 'recognition', 'health', 'vote', 'poll',
      'first reply', 'say hello', 'introduce themselves', 'regulars', 'quiet member', 'lock the thread', 'merge', 'duplicate', 'recap', 'weekly summary',
    ],
  },
  {
    id: 'governance',
    name: 'governance',
    phrases: [
      'governance', 'policy', 'rule', 'compliance', 'comply', 'compliant', 'regulation', 'regulator', 'regulatory', 'legal', 'lawyer',
      'privacy', 'gdpr', 'hipaa', 'security', 'secure', 'permission', 'access', 'guest', 'external sharing', 'sensitivity label', 'label',
      'confidential', 'sensitive', 'retention', 'archive', 'archived', 'expire', 'expiry', 'lifecycle', 'owner', 'naming convention',
      'approval', 'approve', 'review', 'audit', 'auditor', 'data protection', 'records', 'legal hold', 'classify', 'reclassify', 'sign off',
      'allowed', 'not allowed', 'banned', 'ban', 'restricted', 'identifier', 'personal data', 'leak', 'risk',
    ],
  },
  {
    id: 'metrics',
    name: 'metrics',
    phrases: [
      'metric', 'kpi', 'dashboard', 'measure', 'measurement', 'analytics', 'report', 'reporting', 'survey', 'pulse', 'baseline', 'benchmark',
      'track', 'tracking', 'count', 'counted', 'number', 'figure', 'percent', 'percentage', 'rate', 'median', 'average', 'score', 'chart',
      'heat map', 'a/b test', 'data', 'statistic', 'stats', 'per month', 'per week', 'went from', 'up from', 'down from', 'double', 'doubled',
      'triple', 'tripled', 'halved', 'half', 'fell', 'dropped', 'rose', 'increase', 'reduction', 'compare', 'compared', 'before and after',
    ],
  },
];
