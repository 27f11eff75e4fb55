import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { settingNames } from '../../src/config';
import { parseBicep, syntaxProblems } from '../support/bicep';
import { checkInfra, ROLE, type InfraFiles } from '../support/infraFacts';

/**
 * infra/ checked here, honestly: no Bicep compiler installs on these machines, so the templates
 * are parsed with the tree-sitter-bicep grammar (a real syntax check, not Bicep's type check) and
 * the security facts are read from the parsed tree. Nothing here deploys them.
 */
const INFRA = path.resolve(__dirname, '../../infra');

function filesUnder(dir: string, base = dir): InfraFiles {
  const out: InfraFiles = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, filesUnder(full, base));
    else if (/\.(bicep|json)$/.test(name)) out[path.relative(base, full).split(path.sep).join('/')] = readFileSync(full, 'utf8');
  }
  return out;
}

const files = filesUnder(INFRA);
const bicepFiles = Object.keys(files).filter((f) => f.endsWith('.bicep'));

describe('infra/ templates', () => {
  test('when infra/ is listed, then it has the main templates, their parameters, the bot registrations and the modules', () => {
    expect(Object.keys(files).sort()).toEqual(
      [
        'azure.bicep',
        'azure.parameters.json',
        'azure.singletenant.bicep',
        'azure.singletenant.parameters.json',
        'botRegistration/azurebot-singletenant.bicep',
        'botRegistration/azurebot.bicep',
        'modules/keyvault.bicep',
        'modules/monitoring.bicep',
        'modules/storage.bicep',
        'modules/webapp.bicep',
      ].sort(),
    );
  });

  test.each(bicepFiles)('when %s is parsed with tree-sitter-bicep, then it has no ERROR or MISSING node', async (file) => {
    const root = await parseBicep(files[file]!);
    expect(syntaxProblems(root)).toEqual([]);
    expect(root.namedChildren.length).toBeGreaterThan(3);
  });

  test('when the security facts are read from the parsed templates, then every one holds', async () => {
    expect(await checkInfra(files, settingNames)).toEqual([]);
  });
});

/**
 * The checker can fail: each copy of infra/ below breaks one fact, and the checker must name it.
 */
describe('the infra checker, on broken copies', () => {
  const cases: [string, string, string, string | RegExp, RegExp][] = [
    ['syntax: an unclosed object', 'modules/storage.bicep', "  sku: {\n    name: sku\n  }", "  sku: {\n    name: sku\n", /modules\/storage\.bicep: syntax:/],
    ['syntax: a stray token', 'azure.bicep', 'param location string', 'param location string string =', /azure\.bicep: syntax:/],
    ['HTTP allowed on the web app', 'modules/webapp.bicep', 'httpsOnly: true', 'httpsOnly: false', /web app is HTTPS only/],
    ['TLS 1.0 on the web app', 'modules/webapp.bicep', "minTlsVersion: '1.2'", "minTlsVersion: '1.0'", /web app requires TLS 1.2/],
    ['FTP on', 'modules/webapp.bicep', "ftpsState: 'Disabled'", "ftpsState: 'FtpsOnly'", /FTP is off/],
    ['Always On off', 'modules/webapp.bicep', 'alwaysOn: true', 'alwaysOn: false', /Always On/],
    ['no health check', 'modules/webapp.bicep', "healthCheckPath: '/healthz'", "healthCheckPath: '/'", /health check path/],
    ['an old Node', 'modules/webapp.bicep', "'NODE|24-lts'", "'NODE|20-lts'", /current Node LTS/],
    ['no identity on the web app', 'modules/webapp.bicep', "type: 'UserAssigned'", "type: 'None'", /user-assigned identity/],
    ['a fixed instance count', 'modules/webapp.bicep', 'capacity: instanceCount', 'capacity: 1', /instanceCount instances/],
    ['TLS 1.0 on storage', 'modules/storage.bicep', "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'", /storage requires TLS 1.2/],
    ['public blobs', 'modules/storage.bicep', 'allowBlobPublicAccess: false', 'allowBlobPublicAccess: true', /no public blob access/],
    ['shared keys on', 'modules/storage.bicep', 'allowSharedKeyAccess: false', 'allowSharedKeyAccess: true', /shared-key access is off/],
    ['HTTP storage', 'modules/storage.bicep', 'supportsHttpsTrafficOnly: true', 'supportsHttpsTrafficOnly: false', /storage is HTTPS only/],
    ['the table role replaced by Reader', 'modules/storage.bicep', ROLE.storageTableDataContributor, 'acdd72a7-3385-48ef-bd42-f606fba81ae7', new RegExp(`role assignment of ${ROLE.storageTableDataContributor}`)],
    ['the queue role missing', 'modules/storage.bicep', ROLE.storageQueueDataContributor, '00000000-0000-0000-0000-000000000000', new RegExp(`role assignment of ${ROLE.storageQueueDataContributor}`)],
    ['a role to someone else', 'modules/storage.bicep', '    principalId: principalId\n    principalType', "    principalId: '00000000-0000-0000-0000-000000000001'\n    principalType", /goes to the principalId param/],
    ['the bot with a secret', 'botRegistration/azurebot.bicep', "msaAppType: 'UserAssignedMSI'", "msaAppType: 'MultiTenant'", /app type is UserAssignedMSI/],
    ['the bot not the identity', 'azure.bicep', 'identityResourceId: identity.id', "identityResourceId: ''", /the bot is the managed identity/],
    ['no Teams channel', 'botRegistration/azurebot.bicep', "name: 'MsTeamsChannel'", "name: 'WebChatChannel'", /Teams channel/],
    ['an http endpoint', 'botRegistration/azurebot.bicep', "endpoint: 'https://${botAppDomain}/api/messages'", "endpoint: 'http://${botAppDomain}/api/messages'", /messaging endpoint/],
    ['a password literal in a setting', 'azure.singletenant.bicep', "value: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.clientCredentialUri})'", "value: 'hunter2-plain-secret'", /MICROSOFT_APP_PASSWORD has a literal value/],
    ['a secret param without @secure()', 'modules/keyvault.bicep', "@secure()\n@description('Client secret of the bot app registration.')", "@description('Client secret of the bot app registration.')", /botClientSecret holds a secret and must be @secure\(\)/],
    ['a storage key in a literal', 'azure.bicep', "value: 'production'", "value: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc'", /holds a credential/],
    ['keys listed into settings', 'azure.bicep', 'value: storage.outputs.tableEndpoint', 'value: listKeys(identity.id, \'2023-01-31\').keys[0].value', /listKeys/],
    ['a connection string setting', 'azure.bicep', "name: 'STORAGE_ACCOUNT_URL'", "name: 'STORAGE_CONNECTION_STRING'", /no storage connection string/],
    ['a setting the app does not read', 'azure.bicep', "name: 'LOG_LEVEL'", "name: 'LOGLEVEL'", /app setting LOGLEVEL is read by src\/config\.ts/],
    ['Key Vault with access policies', 'modules/keyvault.bicep', 'enableRbacAuthorization: true', 'enableRbacAuthorization: false', /Azure RBAC/],
    ['no Key Vault Secrets User', 'modules/keyvault.bicep', ROLE.keyVaultSecretsUser, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', /Key Vault Secrets User/],
    ['monitoring always on', 'azure.bicep', "module monitoring './modules/monitoring.bicep' = if (enableMonitoring) {", "module monitoring './modules/monitoring.bicep' = {", /only with enableMonitoring/],
    ['an undeclared parameter', 'azure.parameters.json', '"webAppSku"', '"webAppSkuName"', /parameter webAppSkuName is not declared/],
    ['a secret in the parameters file', 'azure.singletenant.parameters.json', '"webAppSku"', '"appClientSecret"', /secure parameter appClientSecret is not written/],
    ['a required parameter given nowhere', 'azure.singletenant.bicep', 'appClientId=<client id>', 'clientId=<client id>', /required parameter appClientId is given/],
    ['an output without the bot id', 'azure.bicep', 'output BOT_ID string', 'output BOT_IDENTITY string', /output BOT_ID$/],
  ];

  test.each(cases)('when %s, then the checker says so', async (_name, file, from, to, finding) => {
    const original = files[file]!;
    expect(original).toContain(from);
    const broken = { ...files, [file]: original.split(from).join(to as string) };
    const findings = await checkInfra(broken, settingNames);
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(finding)]));
  });
});
