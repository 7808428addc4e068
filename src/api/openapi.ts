// The OpenAPI 3.1 description of REST API v1, served at /api/v1/openapi.json; a test keeps it in step with the routes.

type Schema = Record<string, unknown>;

const error: Schema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
};
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: Schema = { type: 'object' }) => ({ description, ...json(schema) });
const errors = {
  '400': { description: 'Invalid input; error.field names the field', ...json(ref('Error')) },
  '401': { description: 'Not logged in', ...json(ref('Error')) },
  '403': { description: 'CSRF check failed', ...json(ref('Error')) },
};
const op = (summary: string, responses: Record<string, unknown>, body?: Schema, params: string[] = []) => ({
  summary,
  ...(params.length > 0 ? { parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) } : {}),
  ...(body === undefined ? {} : { requestBody: { required: true, ...json(body) } }),
  responses: { ...responses, ...errors },
});

const machinePatch: Schema = {
  type: 'object',
  properties: {
    name: { type: ['string', 'null'] },
    tags: { type: ['array', 'null'], items: { type: 'string' } },
    profile: { type: ['string', 'null'] },
    bootOnce: { type: ['string', 'null'] },
    reservedAddress: { type: ['string', 'null'], format: 'ipv4' },
    power: { type: ['object', 'null'], properties: { driver: { type: 'string', enum: ['wol', 'tasmota', 'shelly', 'webhook', 'ssh', 'manual'] } } },
  },
  additionalProperties: false,
};

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Bramble API', version: '1', description: 'Machines, profiles, power and settings of a Bramble network-boot appliance.' },
    servers: [{ url: '/api/v1' }],
    security: [{ session: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'bramble_session', description: 'Changes also need the X-CSRF-Token header from /login or /session.' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /tokens: brt_<id>_<secret>.' },
      },
      schemas: {
        Error: error,
        Machine: {
          type: 'object',
          required: ['mac', 'firstSeen', 'lastSeen', 'state'],
          properties: {
            mac: { type: 'string' },
            name: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
            state: { enum: ['discovered', 'ready', 'booting', 'running', 'off', 'unknown'] },
            powerCan: { type: 'array', items: { enum: ['on', 'off', 'cycle', 'status'] }, description: 'what its power driver can do' },
            hardware: { type: 'object', description: 'facts the inventory agent posted' },
            nfsExport: { type: 'string', description: 'the NFS export of its diskless root (its own layer), once it booted an nfs-root profile' },
            events: { type: 'array' },
          },
        },
        MachinePatch: machinePatch,
        Profile: { type: 'object', required: ['name', 'kind'], properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['kernel', 'nfs-root', 'iscsi-root', 'iscsi-sanboot', 'script', 'chain', 'local-disk'] } } },
      },
    },
    paths: {
      '/openapi.json': { get: { ...op('This document', { '200': ok('OpenAPI 3.1') }), security: [] } },
      '/status': { get: op('Service status', { '200': ok('Status') }) },
      '/login': {
        post: {
          ...op('Log in; sets the session cookie', { '200': ok('Logged in', { type: 'object', properties: { csrfToken: { type: 'string' } } }), '429': { description: 'Too many failed logins; Retry-After says when to try again' } }, {
            type: 'object',
            required: ['username', 'password'],
            properties: { username: { type: 'string' }, password: { type: 'string' } },
          }),
          security: [],
        },
      },
      '/logout': { post: op('Log out', { '200': ok('Logged out') }) },
      '/session': { get: op('Who is logged in, and the CSRF token', { '200': ok('Session') }) },
      '/password': { post: op('Change the password', { '200': ok('Changed') }, { type: 'object', required: ['current', 'next'], properties: { current: { type: 'string' }, next: { type: 'string', minLength: 10 } } }) },
      '/tokens': {
        get: op('Bearer tokens (without secrets)', { '200': ok('Tokens', { type: 'array' }) }),
        post: op('Make a bearer token; its secret is shown only in this answer', { '201': ok('Token') }, { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }),
      },
      '/tokens/{id}': { delete: op('Revoke a token', { '200': ok('Removed'), '404': ok('No such token', ref('Error')) }, undefined, ['id']) },
      '/machines': {
        get: { ...op('All machines, with recent events', { '200': ok('Machines', { type: 'array', items: ref('Machine') }) }), parameters: [{ name: 'tag', in: 'query', schema: { type: 'string' } }] },
        post: op('Add a machine by its MAC', { '201': ok('Added', ref('Machine')), '409': ok('Already known', ref('Error')) }, { allOf: [{ type: 'object', required: ['mac'], properties: { mac: { type: 'string' } } }, machinePatch] }),
      },
      '/machines/{mac}': {
        get: op('One machine', { '200': ok('Machine', ref('Machine')), '404': ok('Unknown', ref('Error')) }, undefined, ['mac']),
        patch: op('Change a machine (null removes a field); power secrets shown as ******** are kept when sent back', { '200': ok('Machine', ref('Machine')) }, ref('MachinePatch'), ['mac']),
        delete: op('Forget a machine', { '200': ok('Removed'), '404': ok('Unknown', ref('Error')) }, undefined, ['mac']),
      },
      '/machines/{mac}/events': { get: op('Recent boot and power events of a machine', { '200': ok('Events', { type: 'array' }) }, undefined, ['mac']) },
      '/machines/{mac}/power': {
        post: op(
          'Run a power action through the machine\'s driver; recorded as an event with who asked',
          {
            '200': ok('Done', { type: 'object', properties: { ok: { const: true }, state: { enum: ['on', 'off', 'unknown'] }, detail: { type: 'string' } } }),
            '409': ok('No power settings, or the driver cannot do this action', ref('Error')),
            '502': ok('The device refused or answered wrongly (UNREACHABLE, AUTH_FAILED, BAD_RESPONSE)', ref('Error')),
            '504': ok('The device did not answer in time (TIMEOUT)', ref('Error')),
          },
          { type: 'object', required: ['action'], properties: { action: { enum: ['on', 'off', 'cycle', 'status'] } } },
          ['mac'],
        ),
      },
      '/wake': {
        post: op('Send a Wake-on-LAN magic packet to any MAC, and watch for it to boot', { '200': ok('Sent') }, {
          type: 'object',
          required: ['mac'],
          properties: { mac: { type: 'string' }, secureOn: { type: 'string' }, port: { enum: [7, 9] }, count: { type: 'integer', minimum: 1, maximum: 10 } },
        }),
      },
      '/power/ssh-key': { get: op('Bramble\'s SSH public key, for authorized_keys on machines switched off over SSH', { '200': ok('Key', { type: 'object', properties: { publicKey: { type: 'string' } } }) }) },
      '/events': {
        get: {
          ...op('The most recent boot and power events of all machines, newest last', { '200': ok('Events', { type: 'array' }) }),
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
        },
      },
      '/events/stream': {
        get: {
          ...op('Live boot and power events (server-sent events: "boot" and "power", a comment line as heartbeat)', {}),
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
        },
      },
      '/health': {
        get: op('The appliance itself: CPU, load, memory, disk, uptime and temperature, sampled every 10 s for the last hour', {
          '200': ok('Samples', { type: 'object', properties: { latest: { type: ['object', 'null'] }, history: { type: 'array' }, failures: { type: 'object' } } }),
        }),
      },
      '/profiles': {
        get: op('All profiles', { '200': ok('Profiles', { type: 'array', items: ref('Profile') }) }),
        post: { ...op('Add (or with ?replace=true replace) a profile', { '201': ok('Added', ref('Profile')), '409': ok('Exists', ref('Error')) }, ref('Profile')), parameters: [{ name: 'replace', in: 'query', schema: { type: 'boolean' } }] },
      },
      '/profiles/{name}': {
        get: op('One profile', { '200': ok('Profile', ref('Profile')), '404': ok('Unknown', ref('Error')) }, undefined, ['name']),
        delete: op('Delete a profile (?force=true unassigns it from machines)', { '200': ok('Removed'), '409': ok('In use', ref('Error')) }, undefined, ['name']),
      },
      '/nfs/exports': {
        get: op('NFS exports with whether they are served and the bytes their layer takes', { '200': ok('Exports', { type: 'array' }) }),
        post: op(
          'Export a golden root: read-only to a subnet, or with a label as a writable layer',
          { '201': ok('Added'), '400': ok('Invalid', ref('Error')), '409': ok('Exists', ref('Error')), '503': ok('NFS off', ref('Error')) },
          { type: 'object', required: ['root', 'allow'], properties: { root: { type: 'string' }, allow: { type: 'string' }, label: { type: 'string' }, rootSquash: { type: 'boolean' } } },
        ),
      },
      '/nfs/exports/{id}': { delete: op('Remove an export and its layer', { '200': ok('Removed'), '404': ok('No such export', ref('Error')) }, undefined, ['id']) },
      '/nfs/exports/{id}/reset': { post: op("Reset a layer to golden: its changes are deleted and the machine's handles go stale", { '200': ok('Reset'), '404': ok('No such export', ref('Error')) }, undefined, ['id']) },
      '/nfs/roots': { get: op('The golden roots (folders of the NFS roots folder)', { '200': ok('Names', { type: 'array', items: { type: 'string' } }), '503': ok('NFS off', ref('Error')) }) },
      '/iscsi/disks': {
        get: op('iSCSI disks (CHAP secrets left out) with whether they are served and the bytes their overlay takes', { '200': ok('Disks', { type: 'array' }) }),
        post: op(
          'A copy-on-write disk over a golden image (or with raw and sizeBytes an empty raw disk), served as its own target to one address or subnet',
          { '201': ok('Added'), '400': ok('Invalid', ref('Error')), '409': ok('Exists', ref('Error')), '503': ok('iSCSI off', ref('Error')) },
          { type: 'object', required: ['label', 'allow'], properties: { image: { type: 'string' }, label: { type: 'string' }, allow: { type: 'string' }, raw: { type: 'boolean' }, sizeBytes: { type: 'integer' } } },
        ),
      },
      '/iscsi/disks/{id}': { delete: op('Remove a disk and its overlay (its sessions end)', { '200': ok('Removed'), '404': ok('No such disk', ref('Error')) }, undefined, ['id']) },
      '/iscsi/disks/{id}/reset': { post: op('Reset a disk to its golden image: its overlay is deleted (its sessions end)', { '200': ok('Reset'), '404': ok('No such disk', ref('Error')) }, undefined, ['id']) },
      '/iscsi/images': {
        get: op('The golden images (NAME.img files of the iSCSI images folder)', { '200': ok('Names', { type: 'array', items: { type: 'string' } }), '503': ok('iSCSI off', ref('Error')) }),
        post: op(
          'Make a golden image: an ext4 file system of sizeBytes filled from a folder on the appliance (mkfs.ext4 -d)',
          { '201': ok('Made'), '400': ok('Invalid, or mkfs.ext4 refused', ref('Error')), '409': ok('Exists', ref('Error')), '503': ok('iSCSI off', ref('Error')) },
          { type: 'object', required: ['name', 'from', 'sizeBytes'], properties: { name: { type: 'string' }, from: { type: 'string' }, sizeBytes: { type: 'integer' } } },
        ),
      },
      '/settings': {
        get: op('Settings', { '200': ok('Settings') }),
        patch: op('Change settings as "dotted.key": value', { '200': ok('Settings') }, { type: 'object' }),
      },
    },
  };
}
