import { ServiceFaultError } from '../../functions/core/errors.js';

/** SDK error names that say AWS is not reachable or not set up here, not that the suite has a bug. */
const AWS_SETUP: Readonly<Record<string, string>> = {
  CredentialsProviderError: 'no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
  ExpiredToken: 'the AWS session has expired',
  ExpiredTokenException: 'the AWS session has expired',
  InvalidClientTokenId: 'AWS does not know this access key',
  UnrecognizedClientException: 'AWS does not know this access key',
  SignatureDoesNotMatch: 'AWS refused the credentials',
  AccessDenied: 'access denied',
  AccessDeniedException: 'access denied',
  ResourceNotFoundException: 'not found',
  ENOTFOUND: 'AWS endpoint host not found (no network, or a wrong region)',
  EAI_AGAIN: 'AWS endpoint host name lookup failed',
  ECONNREFUSED: 'AWS endpoint refused the connection',
  ECONNRESET: 'AWS endpoint reset the connection',
  ETIMEDOUT: 'AWS endpoint timed out',
  TimeoutError: 'AWS endpoint timed out',
};

/**
 * The one-line ServiceFaultError (exit 4) for an AWS call that failed because of where it ran (no region, no
 * credentials, no network, a stack that is not there, a denied call), or undefined for anything else. `doing`
 * says what was asked: `invoke: DescribeStacks OpsAutopilot`.
 */
export function awsFault(error: unknown, doing: string): ServiceFaultError | undefined {
  const e = error as { name?: string; code?: string; message?: string } | undefined;
  const message = String(e?.message ?? '').split('\n')[0]!;
  // Unset, or set empty (AWS_REGION=""): the SDK says each its own way.
  if (/region is missing|region="" is not/i.test(message))
    return new ServiceFaultError(`${doing}: no AWS region (set AWS_REGION or AWS_PROFILE)`);
  if (/region not accepted/i.test(message)) return new ServiceFaultError(`${doing}: ${message}`);
  // CloudFormation says a missing stack with a ValidationError: "Stack with id X does not exist".
  if (e?.name === 'ValidationError' && /does not exist/.test(message)) return new ServiceFaultError(`${doing}: ${message}`);
  const code = e?.code && AWS_SETUP[e.code] ? e.code : e?.name;
  const reason = code ? AWS_SETUP[code] : undefined;
  return reason ? new ServiceFaultError(`${doing}: ${reason} (${code}${message && message !== code ? `: ${message}` : ''})`) : undefined;
}
