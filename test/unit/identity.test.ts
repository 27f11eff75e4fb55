import { isExternal, personKey, personParts } from '../../src/people/model';
import { isSharedChannel, tenantRules } from '../../src/teams/identity';

const HOST = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const PARTNER = '0f8276ea-111b-46af-9512-79ce81d5dea1';
const OID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

describe('a person\'s identity: object id with home tenant', () => {
  test('when the home tenant is the conversation\'s (members, guests), then the id is the object id alone, as stored before', () => {
    expect(personKey(OID, HOST, HOST)).toBe(OID);
    expect(personKey(OID, HOST.toUpperCase(), HOST)).toBe(OID);
    expect(personKey(OID, undefined, HOST)).toBe(OID);
  });

  test('when the home tenant differs (a shared channel\'s external member), then the id carries it, and splits back', () => {
    const id = personKey(OID, PARTNER.toUpperCase(), HOST);
    expect(id).toBe(`${OID}@${PARTNER}`);
    expect(id).not.toBe(personKey(OID, HOST, HOST));
    expect(personParts(id)).toEqual({ objectId: OID, homeTenantId: PARTNER });
    expect(isExternal(id)).toBe(true);
  });

  test('when an id has no tenant part, or an "@" that is not a tenant, then it is one object id', () => {
    expect(personParts(OID)).toEqual({ objectId: OID });
    expect(personParts('29:1abc@example')).toEqual({ objectId: '29:1abc@example' });
    expect(isExternal('aad-user-bob')).toBe(false);
  });
});

describe('host and partner tenants', () => {
  const rules = tenantRules({ hosts: [HOST], partners: [PARTNER] });

  test('when a conversation lives in a host tenant, then it is served; in a partner, another or no tenant, then not', () => {
    expect(rules.conversation(HOST.toUpperCase())).toBe(true);
    expect(rules.conversation(PARTNER)).toBe(false);
    expect(rules.conversation('11111111-2222-4333-8444-555555555555')).toBe(false);
    expect(rules.conversation(undefined)).toBe(false);
  });

  test('when a person\'s home tenant is a host or a partner, then they may take part; any other, not', () => {
    expect(rules.person(HOST)).toBe(true);
    expect(rules.person(PARTNER)).toBe(true);
    expect(rules.person('11111111-2222-4333-8444-555555555555')).toBe(false);
  });

  test('when no host is configured, then every conversation but a partner\'s is served, and everyone may take part', () => {
    const open = tenantRules({ hosts: [], partners: [PARTNER] });
    expect(open.conversation(HOST)).toBe(true);
    expect(open.conversation(PARTNER)).toBe(false);
    expect(open.person('11111111-2222-4333-8444-555555555555')).toBe(true);
    expect(tenantRules({ hosts: [], partners: [] }).conversation(undefined)).toBe(true);
  });

  test('when a tenant is both host and partner, then it is a host', () => {
    expect(tenantRules({ hosts: [HOST], partners: [HOST] }).conversation(HOST)).toBe(true);
  });
});

describe('shared channels, as Teams marks them', () => {
  test('when channelData.channel.type is "shared", then it is one; a standard channel or a malformed activity is not', () => {
    expect(isSharedChannel({ channelData: { channel: { id: '19:x', type: 'shared' } } })).toBe(true);
    expect(isSharedChannel({ channelData: { channel: { id: '19:x', membershipType: 'Shared' } } })).toBe(true);
    expect(isSharedChannel({ channelData: { channel: { id: '19:x' } } })).toBe(false);
    expect(isSharedChannel({ channelData: 'nonsense' })).toBe(false);
    expect(isSharedChannel(null)).toBe(false);
  });
});
