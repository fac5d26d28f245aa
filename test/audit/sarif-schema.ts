/**
 * A compact subset of the SARIF 2.1.0 JSON schema (sarif-schema-2.1.0.json, OASIS), written out
 * for the objects jailsmith emits: the same required members, enums and closed property sets as
 * the official definitions of sarifLog, run, tool, toolComponent, reportingDescriptor,
 * multiformatMessageString, message, result, location, physicalLocation, artifactLocation.
 */
const message = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    markdown: { type: 'string' },
    id: { type: 'string' },
    arguments: { type: 'array', items: { type: 'string' } },
    properties: { type: 'object' },
  },
  anyOf: [{ required: ['text'] }, { required: ['id'] }],
  additionalProperties: false,
};
const multiformat = {
  type: 'object',
  properties: { text: { type: 'string' }, markdown: { type: 'string' }, properties: { type: 'object' } },
  required: ['text'],
  additionalProperties: false,
};
const level = { enum: ['none', 'note', 'warning', 'error'] };
const artifactLocation = {
  type: 'object',
  properties: {
    uri: { type: 'string', pattern: "^[A-Za-z0-9\\-._~!$&'()*+,;=:@/%?#\\[\\]]*$" },
    uriBaseId: { type: 'string' },
    index: { type: 'integer', minimum: -1 },
    description: message,
    properties: { type: 'object' },
  },
  additionalProperties: false,
};
const reportingDescriptor = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    deprecatedIds: { type: 'array' },
    guid: { type: 'string' },
    name: { type: 'string' },
    shortDescription: multiformat,
    fullDescription: multiformat,
    messageStrings: { type: 'object' },
    defaultConfiguration: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        level,
        rank: { type: 'number', minimum: -1, maximum: 100 },
        parameters: { type: 'object' },
        properties: { type: 'object' },
      },
      additionalProperties: false,
    },
    helpUri: { type: 'string' },
    help: multiformat,
    relationships: { type: 'array' },
    properties: { type: 'object' },
  },
  required: ['id'],
  additionalProperties: false,
};
const result = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' },
    ruleIndex: { type: 'integer', minimum: -1 },
    kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
    level,
    message,
    locations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer', minimum: -1 },
          physicalLocation: {
            type: 'object',
            properties: { artifactLocation, region: { type: 'object' }, properties: { type: 'object' } },
            additionalProperties: false,
          },
          message,
          properties: { type: 'object' },
        },
        additionalProperties: false,
      },
    },
    fingerprints: { type: 'object' },
    partialFingerprints: { type: 'object' },
    properties: { type: 'object' },
  },
  required: ['message'],
  additionalProperties: false,
};
export const sarifSchema = {
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    version: { const: '2.1.0' },
    runs: {
      type: ['array', 'null'],
      items: {
        type: 'object',
        properties: {
          tool: {
            type: 'object',
            properties: {
              driver: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  semanticVersion: { type: 'string' },
                  informationUri: { type: 'string' },
                  rules: { type: 'array', items: reportingDescriptor, uniqueItems: true },
                  properties: { type: 'object' },
                },
                required: ['name'],
                additionalProperties: false,
              },
              extensions: { type: 'array' },
              properties: { type: 'object' },
            },
            required: ['driver'],
            additionalProperties: false,
          },
          originalUriBaseIds: { type: 'object', additionalProperties: artifactLocation },
          results: { type: ['array', 'null'], items: result },
          properties: { type: 'object' },
        },
        required: ['tool'],
        additionalProperties: false,
      },
    },
    properties: { type: 'object' },
  },
  required: ['version', 'runs'],
  additionalProperties: false,
};
