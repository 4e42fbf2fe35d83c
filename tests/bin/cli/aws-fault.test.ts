import { describe, expect, it } from 'vitest';
import { awsFault } from '../../../bin/cli/aws-fault.js';
import { ServiceFaultError } from '../../../functions/core/errors.js';

const named = (name: string, message: string, code?: string) => Object.assign(new Error(message), { name, ...(code ? { code } : {}) });

describe('awsFault', () => {
  it('says what to set when the region or credentials are missing', () => {
    expect(awsFault(new Error('Region is missing'), 'invoke: stack S')?.message).toBe(
      'invoke: stack S: no AWS region (set AWS_REGION or AWS_PROFILE)',
    );
    expect(awsFault(new Error('Region not accepted: region="" is not a valid hostname component.'), 'x')?.message).toBe(
      'x: no AWS region (set AWS_REGION or AWS_PROFILE)',
    );
    const fault = awsFault(named('CredentialsProviderError', 'Could not load credentials from any providers'), 'invoke: stack S');
    expect(fault).toBeInstanceOf(ServiceFaultError);
    expect(fault?.message).toMatch(/^invoke: stack S: no AWS credentials found .*\(CredentialsProviderError: Could not load/);
  });

  it('names a stack that does not exist, a denied call and a network failure', () => {
    expect(awsFault(named('ValidationError', 'Stack with id X does not exist'), 'invoke: stack X')?.message).toBe(
      'invoke: stack X: Stack with id X does not exist',
    );
    expect(awsFault(named('AccessDenied', 'User: u is not authorized'), 'invoke: f')?.message).toBe(
      'invoke: f: access denied (AccessDenied: User: u is not authorized)',
    );
    expect(awsFault(named('Error', 'getaddrinfo ENOTFOUND x', 'ENOTFOUND'), 'invoke: stack S')?.message).toMatch(/host not found/);
  });

  it('leaves anything else to be reported as what it is', () => {
    expect(awsFault(named('ValidationError', 'Template format error'), 'invoke: stack S')).toBeUndefined();
    expect(awsFault(new TypeError('x is not a function'), 'invoke')).toBeUndefined();
    expect(awsFault(undefined, 'invoke')).toBeUndefined();
  });
});
