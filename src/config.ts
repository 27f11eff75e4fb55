import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Every setting the bot reads, in one schema. `loadConfig` turns the environment into a typed
 * Config or throws a ConfigError listing everything that is wrong at once.
 */
const csv = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0));

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

const optionalUrl = optionalString.pipe(z.string().url().optional());

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3978),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),

    MICROSOFT_APP_ID: optionalString,
    MICROSOFT_APP_PASSWORD: optionalString,
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    MICROSOFT_APP_TENANT_ID: optionalString,
    /** Where inbound tokens' signing keys are published; only changed for sovereign clouds or tests. */
    BOT_OPENID_METADATA_URL: optionalUrl,
    BOT_TOKEN_ISSUER: optionalString,

    ALLOWED_TENANTS: csv,
    /** Tenants whose people may take part in a host tenant's shared channels (B2B direct connect). */
    PARTNER_TENANTS: csv,

    STORAGE_CONNECTION_STRING: optionalString,
    STORAGE_ACCOUNT_URL: optionalUrl,
    STORAGE_QUEUE_URL: optionalUrl,
    /** Client id of the user-assigned managed identity that opens STORAGE_ACCOUNT_URL (App Service gives no default one). */
    STORAGE_IDENTITY_CLIENT_ID: optionalString,
    STORAGE_TABLE_PREFIX: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,29}$/, 'must start with a letter and hold at most 30 letters or digits')
      .default('coach'),

    SCHEDULER_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    SCHEDULER_INTERVAL_SECONDS: positiveInt(60),
    /**
     * Each instance renews a heartbeat row this often divided by 3; a row not renewed for this long
     * is dead. Shared budgets (the tenant send limit) follow instances joining and dying within it.
     */
    INSTANCE_LEASE_SECONDS: z.coerce.number().int().min(3).max(600).default(30),
    /** On SIGTERM/SIGINT: how long turns and jobs in flight may take to finish before the process exits anyway. */
    SHUTDOWN_DRAIN_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
    AGENDA_AUTO_FINALISE_HOURS: z.coerce.number().min(0).max(24 * 14).default(24),
    /** The bot's public https address (for links it serves, such as a call's calendar file). */
    PUBLIC_BASE_URL: optionalUrl,
    /** Secret that signs calendar links (HMAC-SHA256); at least 32 characters. */
    CALENDAR_LINK_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** Hours after which an unanswered question gets its one reminder in its thread (up to 90 days). */
    CONNECT_REMINDER_HOURS: z.coerce.number().min(1).max(24 * 90).default(72),
    /** Teams' per-app, per-tenant send limit (30 to 50 per second; design for 30). */
    DIGEST_TENANT_SENDS_PER_SECOND: positiveInt(30),
    /** How long a dequeued digest job (and its delivery claim) stays with one instance before another may take it over. */
    DIGEST_JOB_LEASE_SECONDS: positiveInt(60),
    /** Digest deliveries one instance works on at once (the limiter decides when each posts). */
    DIGEST_SEND_CONCURRENCY: positiveInt(64),
    /** First retry delay for a failed post (doubled per attempt, with jitter; Retry-After wins). */
    DIGEST_RETRY_BASE_MS: positiveInt(1000),

    /** The bot's public address, for download links (export, my data); empty: where the server listens. */
    PUBLIC_URL: optionalUrl,
    /** HMAC key that signs download links; empty: a random key per process (links die with it). */
    LINK_SIGNING_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** Delete stories, notes, topics and counters older than this many months; 0 = keep everything. */
    RETENTION_MONTHS: z.coerce.number().int().min(0).max(120).default(0),
  })
  .superRefine((c, ctx) => crossChecks(c, ctx));

/** The settings whose combination is checked, as plain strings (see crossChecks). */
interface CrossFieldView {
  NODE_ENV?: string;
  MICROSOFT_APP_ID?: string;
  MICROSOFT_APP_PASSWORD?: string;
  MICROSOFT_APP_TYPE?: string;
  MICROSOFT_APP_TENANT_ID?: string;
  BOT_OPENID_METADATA_URL?: string;
  STORAGE_CONNECTION_STRING?: string;
  STORAGE_ACCOUNT_URL?: string;
}

/**
 * zod skips a refinement when a field failed, so on its own a bad PORT would hide a missing
 * storage setting until the next start. The same checks run on this lenient view of the raw
 * strings, so that every problem is listed at once.
 */
const crossFieldView = z
  .object({
    NODE_ENV: optionalString,
    MICROSOFT_APP_ID: optionalString,
    MICROSOFT_APP_PASSWORD: optionalString,
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant').catch('MultiTenant'),
    MICROSOFT_APP_TENANT_ID: optionalString,
    BOT_OPENID_METADATA_URL: optionalString,
    STORAGE_CONNECTION_STRING: optionalString,
    STORAGE_ACCOUNT_URL: optionalString,
  })
  .superRefine((c, ctx) => crossChecks(c, ctx));

/** Every setting the schema knows, with its parser (and default), for documentation checks (.env.example). */
export const settingsShape = schema.innerType().shape;
export const settingNames: readonly string[] = Object.keys(settingsShape);

function crossChecks(c: CrossFieldView, ctx: z.RefinementCtx): void {
  if (c.NODE_ENV === 'production' && c.BOT_OPENID_METADATA_URL && !c.BOT_OPENID_METADATA_URL.toLowerCase().startsWith('https://')) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['BOT_OPENID_METADATA_URL'],
      message: 'must be https in production: the signing keys that authenticate every request are read from it',
    });
  }
  if (!c.STORAGE_CONNECTION_STRING && !c.STORAGE_ACCOUNT_URL) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['STORAGE_CONNECTION_STRING'],
      message: 'set STORAGE_CONNECTION_STRING, or STORAGE_ACCOUNT_URL to use a managed identity',
    });
  }
  if (c.NODE_ENV === 'production' && !c.MICROSOFT_APP_ID) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['MICROSOFT_APP_ID'],
      message: 'is required in production: an empty app id turns off request authentication',
    });
  }
  if (c.MICROSOFT_APP_ID && c.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !c.MICROSOFT_APP_PASSWORD) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['MICROSOFT_APP_PASSWORD'],
      message: 'is required when MICROSOFT_APP_ID is set (unless MICROSOFT_APP_TYPE=UserAssignedMSI)',
    });
  }
  if (c.MICROSOFT_APP_TYPE !== 'MultiTenant' && !c.MICROSOFT_APP_TENANT_ID) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['MICROSOFT_APP_TENANT_ID'],
      message: `is required when MICROSOFT_APP_TYPE=${c.MICROSOFT_APP_TYPE}`,
    });
  }
}

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  logLevel: RawConfig['LOG_LEVEL'];
  bot: {
    appId?: string;
    appPassword?: string;
    appType: RawConfig['MICROSOFT_APP_TYPE'];
    tenantId?: string;
    openIdMetadataUrl?: string;
    tokenIssuer?: string;
  };
  /** Host tenants: where the bot is installed and conversations live (empty: every tenant). */
  allowedTenants: string[];
  /** Partner tenants: their people may take part in a host's shared channels; their own conversations are refused. */
  partnerTenants: string[];
  storage: {
    connectionString?: string;
    accountUrl?: string;
    queueUrl?: string;
    identityClientId?: string;
    tablePrefix: string;
  };
  scheduler: { enabled: boolean; intervalSeconds: number };
  instances: { leaseSeconds: number };
  shutdown: { drainSeconds: number };
  agenda: { autoFinaliseHours: number };
  /** Calendar links are offered only when both are set. */
  call: { publicBaseUrl?: string; calendarLinkSecret?: string };
  connect: { reminderHours: number };
  digest: { tenantSendsPerSecond: number; jobLeaseSeconds: number; sendConcurrency: number; retryBaseMs: number };
  /** Download links; publicUrl is filled in with the listening address at start when not set. */
  links: { publicUrl?: string; signingSecret: string };
  retention: { months: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const cross = crossFieldView.safeParse(env);
    const issues = [...parsed.error.issues, ...(cross.success ? [] : cross.error.issues)];
    const problems = issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError([...new Set(problems)]);
  }
  const c = parsed.data;
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    bot: {
      appId: c.MICROSOFT_APP_ID,
      appPassword: c.MICROSOFT_APP_PASSWORD,
      appType: c.MICROSOFT_APP_TYPE,
      tenantId: c.MICROSOFT_APP_TENANT_ID,
      openIdMetadataUrl: c.BOT_OPENID_METADATA_URL,
      tokenIssuer: c.BOT_TOKEN_ISSUER,
    },
    allowedTenants: c.ALLOWED_TENANTS,
    partnerTenants: c.PARTNER_TENANTS,
    storage: {
      connectionString: c.STORAGE_CONNECTION_STRING,
      accountUrl: c.STORAGE_ACCOUNT_URL,
      queueUrl: c.STORAGE_QUEUE_URL,
      identityClientId: c.STORAGE_IDENTITY_CLIENT_ID,
      tablePrefix: c.STORAGE_TABLE_PREFIX,
    },
    scheduler: { enabled: c.SCHEDULER_ENABLED, intervalSeconds: c.SCHEDULER_INTERVAL_SECONDS },
    instances: { leaseSeconds: c.INSTANCE_LEASE_SECONDS },
    shutdown: { drainSeconds: c.SHUTDOWN_DRAIN_SECONDS },
    agenda: { autoFinaliseHours: c.AGENDA_AUTO_FINALISE_HOURS },
    call: { publicBaseUrl: c.PUBLIC_BASE_URL?.replace(/\/+$/, ''), calendarLinkSecret: c.CALENDAR_LINK_SECRET },
    connect: { reminderHours: c.CONNECT_REMINDER_HOURS },
    digest: {
      tenantSendsPerSecond: c.DIGEST_TENANT_SENDS_PER_SECOND,
      jobLeaseSeconds: c.DIGEST_JOB_LEASE_SECONDS,
      sendConcurrency: c.DIGEST_SEND_CONCURRENCY,
      retryBaseMs: c.DIGEST_RETRY_BASE_MS,
    },
    links: { publicUrl: c.PUBLIC_URL?.replace(/\/+$/, ''), signingSecret: linkKey(c.LINK_SIGNING_SECRET, c.MICROSOFT_APP_PASSWORD) },
    retention: { months: c.RETENTION_MONTHS },
  };
}

/**
 * The key that signs download links: the setting; else one derived from the bot's app password
 * (a secret every instance shares already); else, with neither, a random key for this process.
 */
function linkKey(setting: string | undefined, appPassword: string | undefined): string {
  if (setting) return setting;
  if (appPassword) return createHmac('sha256', appPassword).update('network-coach download links').digest('hex');
  return randomBytes(32).toString('hex');
}
