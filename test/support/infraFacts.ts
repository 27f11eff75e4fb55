import type { Node } from 'web-tree-sitter';
import { at, declarations, Expr, parseBicep, stringLiterals, syntaxProblems, valueOf, type Declaration, type Value } from './bicep';

/**
 * The facts infra/ must hold, read from the parsed Bicep (and the parameters files). Each broken
 * fact is one line "file: what is wrong"; an empty list means every fact holds. The facts are
 * what a security review of this deployment asks: HTTPS only, TLS 1.2, no public blob access,
 * no shared keys, the bot and the app acting as the managed identity, the two storage roles, the
 * health check, Always On, FTP off, and no secret written into any file.
 */
export type InfraFiles = Record<string, string>;

export const ROLE = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
} as const;

/** The main templates and what each must say about the bot's identity. */
const MAINS = {
  'azure.bicep': { appType: 'UserAssignedMSI', bot: './botRegistration/azurebot.bicep', parameters: 'azure.parameters.json' },
  'azure.singletenant.bicep': { appType: 'SingleTenant', bot: './botRegistration/azurebot-singletenant.bicep', parameters: 'azure.singletenant.parameters.json' },
} as const;

/** App settings that App Service itself reads, not the bot. Everything else must be a setting of src/config.ts. */
const PLATFORM_SETTINGS = new Set(['SCM_DO_BUILD_DURING_DEPLOYMENT', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'ApplicationInsightsAgent_EXTENSION_VERSION']);

/** Names that hold secrets: their values may never be literals, and params by such names must be @secure(). */
const SENSITIVE = /password|secret|token|apikey|accountkey|connectionstring|sas|key$/i;

interface Parsed {
  root: Node;
  decls: Declaration[];
}

class Findings {
  readonly list: string[] = [];
  constructor(private file: string) {}
  expect(ok: boolean, what: string): void {
    if (!ok) this.list.push(`${this.file}: ${what}`);
  }
  expectEqual(actual: Value | undefined, expected: Value, what: string): void {
    this.expect(same(actual, expected), `${what} (found ${show(actual)})`);
  }
}

function same(a: Value | undefined, b: Value): boolean {
  if (a instanceof Expr || b instanceof Expr) return a instanceof Expr && b instanceof Expr && a.text.replace(/\s+/g, '') === b.text.replace(/\s+/g, '');
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(v: Value | undefined): string {
  if (v === undefined) return 'nothing';
  if (v instanceof Expr) return v.text;
  return JSON.stringify(v);
}

const expr = (text: string): Expr => new Expr(text);

function body(d: Declaration | undefined): Value | undefined {
  return d?.value ? valueOf(d.value) : undefined;
}

function resourcesOf(p: Parsed, type: string): Declaration[] {
  return p.decls.filter((d) => d.kind === 'resource' && d.target?.split('@')[0] === type);
}

function one(p: Parsed, f: Findings, type: string): Declaration | undefined {
  const found = resourcesOf(p, type);
  f.expect(found.length === 1, `exactly one ${type} (found ${found.length})`);
  return found[0];
}

function param(p: Parsed, name: string): Declaration | undefined {
  return p.decls.find((d) => d.kind === 'param' && d.name === name);
}

/** Role ids named in a role assignment's roleDefinitionId. */
function roleIdsIn(d: Declaration): string[] {
  const id = at(body(d), 'properties.roleDefinitionId');
  return id instanceof Expr ? (id.text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? []) : [];
}

function checkEveryFile(p: Parsed, f: Findings): void {
  for (const problem of syntaxProblems(p.root)) f.expect(false, `syntax: ${problem}`);

  const secureParams = new Set(p.decls.filter((d) => d.kind === 'param' && d.decorators.has('secure')).map((d) => d.name));
  for (const d of p.decls.filter((x) => x.kind === 'param')) {
    if (SENSITIVE.test(d.name)) {
      f.expect(d.decorators.has('secure'), `param ${d.name} holds a secret and must be @secure()`);
      f.expect(d.value === undefined, `param ${d.name} holds a secret and may not have a default`);
    }
  }
  for (const lit of stringLiterals(p.root)) {
    if (lit.key && SENSITIVE.test(lit.key) && lit.text !== '') f.expect(false, `${lit.key} is a string literal: secrets come from @secure() params or Key Vault`);
    if (/AccountKey=|SharedAccessSignature=|sig=|-----BEGIN|password=/i.test(lit.text)) f.expect(false, `a string literal holds a credential: "${lit.text.slice(0, 30)}"`);
  }
  // An app setting { name: 'X_PASSWORD', value: '...' } is a secret literal too.
  for (const obj of objectsIn(p.root)) {
    const name = obj['name'];
    const value = obj['value'];
    if (typeof name === 'string' && SENSITIVE.test(name.replace(/_/g, '')) && typeof value === 'string' && value !== '') {
      f.expect(false, `setting ${name} has a literal value`);
    }
  }
  f.expect(!/listKeys\s*\(|listConnectionStrings\s*\(/.test(p.root.text), 'no listKeys()/listConnectionStrings(): keys would land in settings');
  for (const d of p.decls.filter((x) => x.kind === 'output')) {
    const uses = d.value ? identifiersIn(d.value) : [];
    f.expect(!uses.some((u) => secureParams.has(u)), `output ${d.name} exposes a @secure() param`);
  }
}

function objectsIn(root: Node): Record<string, Value>[] {
  const out: Record<string, Value>[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'object') out.push(valueOf(n) as Record<string, Value>);
    for (const c of n.namedChildren) if (c) visit(c);
  };
  visit(root);
  return out;
}

function identifiersIn(n: Node): string[] {
  const out: string[] = [];
  const visit = (x: Node): void => {
    if (x.type === 'identifier') out.push(x.text);
    for (const c of x.namedChildren) if (c) visit(c);
  };
  visit(n);
  return out;
}

function checkWebApp(p: Parsed, f: Findings): void {
  const plan = one(p, f, 'Microsoft.Web/serverfarms');
  f.expectEqual(at(body(plan), 'properties.reserved'), true, 'the App Service plan is Linux (reserved: true)');
  f.expectEqual(at(body(plan), 'sku.capacity'), expr('instanceCount'), 'the plan runs instanceCount instances');
  f.expect(param(p, 'instanceCount')?.type === 'int', 'instanceCount is an int param');

  const site = one(p, f, 'Microsoft.Web/sites');
  const b = body(site);
  f.expectEqual(at(b, 'properties.httpsOnly'), true, 'the web app is HTTPS only');
  f.expectEqual(at(b, 'properties.siteConfig.minTlsVersion'), '1.2', 'the web app requires TLS 1.2');
  f.expectEqual(at(b, 'properties.siteConfig.ftpsState'), 'Disabled', 'FTP is off');
  f.expectEqual(at(b, 'properties.siteConfig.alwaysOn'), true, 'Always On is on (the in-process scheduler must keep ticking)');
  f.expectEqual(at(b, 'properties.siteConfig.healthCheckPath'), '/healthz', 'the health check path is /healthz');
  f.expectEqual(at(b, 'properties.siteConfig.appCommandLine'), 'node dist/main.js', 'the app starts with node dist/main.js');
  f.expectEqual(at(b, 'identity.type'), 'UserAssigned', 'the web app runs as a user-assigned identity');
  const assigned = at(b, 'identity.userAssignedIdentities');
  f.expect(typeof assigned === 'object' && assigned !== null && !(assigned instanceof Expr) && Object.keys(assigned).join() === '${identityId}', 'the identity attached is the identityId param');
  f.expectEqual(at(b, 'properties.keyVaultReferenceIdentity'), expr('identityId'), 'Key Vault references resolve as that identity');
  f.expectEqual(at(b, 'properties.siteConfig.linuxFxVersion'), expr('linuxFxVersion'), 'the runtime is the linuxFxVersion param');
  const allowed = param(p, 'linuxFxVersion')?.decorators.get('allowed');
  const runtimes = allowed ? (valueOf(allowed.childForFieldName('arguments')!.namedChildren[0]!) as Value[]) : [];
  f.expect(runtimes.length > 0 && runtimes.every((r) => typeof r === 'string' && /^NODE\|(22|24)-lts$/.test(r)), `the runtime is a current Node LTS (allowed: ${show(runtimes)})`);
  const ftp = resourcesOf(p, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies').find((d) => at(body(d), 'name') === 'ftp');
  f.expectEqual(at(body(ftp), 'properties.allow'), false, 'FTP basic publishing credentials are off');
}

function checkStorage(p: Parsed, f: Findings): void {
  const account = one(p, f, 'Microsoft.Storage/storageAccounts');
  const b = body(account);
  f.expectEqual(at(b, 'properties.minimumTlsVersion'), 'TLS1_2', 'storage requires TLS 1.2');
  f.expectEqual(at(b, 'properties.supportsHttpsTrafficOnly'), true, 'storage is HTTPS only');
  f.expectEqual(at(b, 'properties.allowBlobPublicAccess'), false, 'no public blob access');
  f.expectEqual(at(b, 'properties.allowSharedKeyAccess'), false, 'shared-key access is off');
  const assignments = resourcesOf(p, 'Microsoft.Authorization/roleAssignments');
  for (const role of [ROLE.storageTableDataContributor, ROLE.storageQueueDataContributor]) {
    const a = assignments.find((d) => roleIdsIn(d).includes(role));
    f.expect(a !== undefined, `a role assignment of ${role}`);
    if (!a) continue;
    f.expectEqual(at(body(a), 'properties.principalId'), expr('principalId'), `role ${role} goes to the principalId param`);
    f.expectEqual(at(body(a), 'scope'), expr(account?.name ?? '?'), `role ${role} is scoped to the storage account`);
    f.expectEqual(at(body(a), 'properties.principalType'), 'ServicePrincipal', `role ${role} names its principal type`);
  }
}

function checkBot(p: Parsed, f: Findings, appType: 'UserAssignedMSI' | 'SingleTenant'): void {
  const bot = one(p, f, 'Microsoft.BotService/botServices');
  const b = body(bot);
  f.expectEqual(at(b, 'properties.msaAppType'), appType, `the bot's app type is ${appType}`);
  f.expectEqual(at(b, 'properties.endpoint'), expr("'https://${botAppDomain}/api/messages'"), 'the messaging endpoint is https://<web app>/api/messages');
  if (appType === 'UserAssignedMSI') {
    f.expectEqual(at(b, 'properties.msaAppId'), expr('identityClientId'), 'the bot id is the identity client id');
    f.expectEqual(at(b, 'properties.msaAppMSIResourceId'), expr('identityResourceId'), 'the bot is the managed identity');
    f.expectEqual(at(b, 'properties.msaAppTenantId'), expr('identityTenantId'), "the bot's tenant is the identity's");
  } else {
    f.expectEqual(at(b, 'properties.msaAppId'), expr('appClientId'), 'the bot id is the app registration client id');
    f.expectEqual(at(b, 'properties.msaAppTenantId'), expr('appTenantId'), "the bot's tenant is the app registration's");
  }
  const teams = resourcesOf(p, 'Microsoft.BotService/botServices/channels').find((d) => at(body(d), 'name') === 'MsTeamsChannel');
  f.expect(teams !== undefined, 'the Teams channel (MsTeamsChannel) is enabled');
  f.expectEqual(at(body(teams), 'parent'), expr(bot?.name ?? '?'), 'the Teams channel belongs to the bot');
}

function checkKeyVault(p: Parsed, f: Findings): void {
  const vault = one(p, f, 'Microsoft.KeyVault/vaults');
  f.expectEqual(at(body(vault), 'properties.enableRbacAuthorization'), true, 'Key Vault uses Azure RBAC');
  const a = resourcesOf(p, 'Microsoft.Authorization/roleAssignments').find((d) => roleIdsIn(d).includes(ROLE.keyVaultSecretsUser));
  f.expect(a !== undefined, 'the identity is granted Key Vault Secrets User');
  f.expectEqual(at(body(a), 'properties.principalId'), expr('principalId'), 'Key Vault Secrets User goes to the principalId param');
  const secret = one(p, f, 'Microsoft.KeyVault/vaults/secrets');
  const value = at(body(secret), 'properties.value');
  f.expect(value instanceof Expr && param(p, value.text)?.decorators.has('secure') === true, 'the secret value is a @secure() param');
}

function checkMain(file: keyof typeof MAINS, p: Parsed, f: Findings, settingNames: readonly string[]): void {
  const want = MAINS[file];
  const identity = one(p, f, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const id = identity?.name ?? '?';
  const module = (path: string): Declaration | undefined => p.decls.find((d) => d.kind === 'module' && d.target === path);

  const web = body(module('./modules/webapp.bicep'));
  f.expectEqual(at(web, 'params.identityId'), expr(`${id}.id`), 'the web app runs as the managed identity');
  f.expectEqual(at(web, 'params.instanceCount'), expr('instanceCount'), 'scale-out is the instanceCount param');
  f.expect(param(p, 'instanceCount')?.type === 'int', 'instanceCount is an int param');

  const storage = body(module('./modules/storage.bicep'));
  f.expectEqual(at(storage, 'params.principalId'), expr(`${id}.properties.principalId`), 'the storage roles go to the managed identity');

  const monitoring = p.decls.find((d) => d.kind === 'module' && d.target === './modules/monitoring.bicep');
  f.expect(param(p, 'enableMonitoring')?.type === 'bool', 'enableMonitoring is a bool param');
  f.expect(monitoring?.conditional === true && /^\(\s*enableMonitoring\s*\)$/.test(monitoring.value?.parent?.namedChildren[0]?.text ?? ''), 'Log Analytics and Application Insights are deployed only with enableMonitoring');

  const bot = body(module(want.bot));
  f.expect(bot !== undefined, `the bot is registered by ${want.bot}`);
  if (want.appType === 'UserAssignedMSI') {
    f.expectEqual(at(bot, 'params.identityClientId'), expr(`${id}.properties.clientId`), 'the bot id is the managed identity client id');
    f.expectEqual(at(bot, 'params.identityResourceId'), expr(`${id}.id`), 'the bot is the managed identity');
  } else {
    f.expectEqual(at(bot, 'params.appClientId'), expr('appClientId'), 'the bot id is the app registration');
    const kv = body(module('./modules/keyvault.bicep'));
    f.expectEqual(at(kv, 'params.principalId'), expr(`${id}.properties.principalId`), 'the managed identity may read the Key Vault secret');
    f.expectEqual(at(kv, 'params.botClientSecret'), expr('appClientSecret'), 'the client secret goes to Key Vault');
  }
  f.expectEqual(at(bot, 'params.botAppDomain'), expr('webApp.outputs.defaultHostName'), "the bot's endpoint is on the web app");

  // App settings: what src/config.ts reads, keyless storage, the right identity.
  const settingsDecl = p.decls.find((d) => d.kind === 'var' && d.name === 'botSettings');
  const settings = new Map<string, Value>();
  for (const s of (body(settingsDecl) as Value[] | undefined) ?? []) {
    const name = at(s, 'name');
    if (typeof name === 'string') settings.set(name, at(s, 'value') ?? null);
  }
  const known = new Set(settingNames);
  for (const name of settings.keys()) f.expect(known.has(name) || PLATFORM_SETTINGS.has(name), `app setting ${name} is read by src/config.ts`);
  f.expectEqual(settings.get('NODE_ENV'), 'production', 'NODE_ENV is production');
  f.expectEqual(settings.get('MICROSOFT_APP_TYPE'), want.appType, `MICROSOFT_APP_TYPE is ${want.appType}`);
  f.expect(settings.get('STORAGE_ACCOUNT_URL') instanceof Expr && settings.get('STORAGE_QUEUE_URL') instanceof Expr, 'storage is reached by URL (from the storage module), keyless');
  f.expect(!settings.has('STORAGE_CONNECTION_STRING'), 'no storage connection string');
  f.expectEqual(settings.get('STORAGE_IDENTITY_CLIENT_ID'), expr(`${id}.properties.clientId`), 'storage is opened as the managed identity');
  if (want.appType === 'UserAssignedMSI') {
    f.expectEqual(settings.get('MICROSOFT_APP_ID'), expr(`${id}.properties.clientId`), 'MICROSOFT_APP_ID is the managed identity client id');
    f.expect(!settings.has('MICROSOFT_APP_PASSWORD'), 'no MICROSOFT_APP_PASSWORD with a managed identity');
  } else {
    const password = settings.get('MICROSOFT_APP_PASSWORD');
    f.expect(password instanceof Expr && password.text.startsWith("'@Microsoft.KeyVault(SecretUri=${"), 'MICROSOFT_APP_PASSWORD is a Key Vault reference');
  }
  f.expectEqual(at(web, 'params.appSettings'), expr('concat(botSettings, monitoringSettings)'), 'the web app gets these settings');

  const outputs = new Set(p.decls.filter((d) => d.kind === 'output').map((d) => d.name));
  for (const o of ['BOT_ID', 'BOT_ENDPOINT', 'BOT_DOMAIN', 'BOT_TENANT_ID']) f.expect(outputs.has(o), `output ${o}`);
}

/** A parameters file names only declared params, gives every required one, and no secret. */
function checkParameters(file: string, text: string, main: Parsed, findings: string[]): void {
  const f = new Findings(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    f.expect(false, 'is not JSON');
  }
  const params = (json as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {};
  const declared = new Map(main.decls.filter((d) => d.kind === 'param').map((d) => [d.name, d]));
  for (const name of Object.keys(params)) f.expect(declared.has(name), `parameter ${name} is not declared in the template`);
  for (const [name, d] of declared) {
    if (d.decorators.has('secure')) f.expect(!(name in params), `secure parameter ${name} is not written in the file`);
    // A required param is in the file, or in the deploy command the template's header shows (`-p name=...`).
    else if (d.value === undefined) f.expect(name in params || headerComment(main).includes(`${name}=`), `required parameter ${name} is given`);
  }
  findings.push(...f.list);
}

function headerComment(p: Parsed): string {
  const out: string[] = [];
  for (const c of p.root.namedChildren) {
    if (c?.type !== 'comment') break;
    out.push(c.text);
  }
  return out.join('\n');
}

export async function checkInfra(files: InfraFiles, settingNames: readonly string[]): Promise<string[]> {
  const findings: string[] = [];
  const parsed = new Map<string, Parsed>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.bicep')) continue;
    const root = await parseBicep(text);
    const p = { root, decls: declarations(root) };
    parsed.set(file, p);
    const f = new Findings(file);
    checkEveryFile(p, f);
    findings.push(...f.list);
  }
  const need = (file: string, check: (p: Parsed, f: Findings) => void): void => {
    const p = parsed.get(file);
    const f = new Findings(file);
    if (!p) f.expect(false, 'is missing');
    else check(p, f);
    findings.push(...f.list);
  };
  need('modules/webapp.bicep', checkWebApp);
  need('modules/storage.bicep', checkStorage);
  need('modules/keyvault.bicep', checkKeyVault);
  need('botRegistration/azurebot.bicep', (p, f) => checkBot(p, f, 'UserAssignedMSI'));
  need('botRegistration/azurebot-singletenant.bicep', (p, f) => checkBot(p, f, 'SingleTenant'));
  for (const main of Object.keys(MAINS) as (keyof typeof MAINS)[]) {
    need(main, (p, f) => checkMain(main, p, f, settingNames));
    const params = MAINS[main].parameters;
    const p = parsed.get(main);
    if (files[params] === undefined) findings.push(`${params}: is missing`);
    else if (p) checkParameters(params, files[params], p, findings);
  }
  return findings;
}
