import { fileURLToPath } from 'node:url';
import type { ShellScript } from '../../remote/port.js';

/** The script's one line on stdout, before its JSON result. */
export const RESULT_MARK = 'AUTOPILOT_BACKUP_RESULT ';

const URL_CHARS = 'A-Za-z0-9:/?&=%._~+\\-';

/**
 * scripts/ssm-backup.sh, a backup taken on the server itself (backup.via "ssm"): pg_dump -Fc or
 * sqlite3 .backup, uploaded in parts to presigned S3 URLs, so the server needs no S3 permission.
 * It may run 15 minutes on the host; the function waits at most its own remaining time.
 */
export const HOST_BACKUP_SCRIPT: ShellScript = {
  id: 'backup',
  title: 'backup',
  file: fileURLToPath(new URL('../scripts/ssm-backup.sh', import.meta.url)),
  description:
    'ops-autopilot backup on the server: pg_dump -Fc or sqlite3 .backup, uploaded in parts to presigned S3 URLs. Prints one result line.',
  stepName: 'backup',
  executionTimeoutSeconds: 900,
  parameters: [
    { name: 'kind', description: 'postgres or sqlite', allowedPattern: '^(postgres|sqlite)$' },
    { name: 'dbHost', description: 'PostgreSQL host, as seen from the server', allowedPattern: '^[A-Za-z0-9.:_-]*$', default: '' },
    { name: 'dbPort', description: 'PostgreSQL port', allowedPattern: '^[0-9]{0,5}$', default: '' },
    {
      name: 'dbUser',
      description: 'PostgreSQL user (authenticated by the host: peer, trust or .pgpass)',
      allowedPattern: '^[A-Za-z0-9_.$-]{0,63}$',
      default: '',
    },
    { name: 'dbName', description: 'PostgreSQL database', allowedPattern: '^[A-Za-z0-9_$-]{0,63}$', default: '' },
    { name: 'sqlitePath', description: 'SQLite database file', allowedPattern: '^(/[A-Za-z0-9._/-]+)?$', default: '' },
    { name: 'partSize', description: 'Bytes per uploaded part', allowedPattern: '^[0-9]{1,11}$' },
    {
      name: 'partUrls',
      description: 'Presigned S3 UploadPart URLs, space-separated, for parts 1..N',
      allowedPattern: `^[${URL_CHARS}]+( [${URL_CHARS}]+)*$`,
    },
  ],
  // The result line holds the parts' ETags: a listing that cut it needs the longer copy.
  outputComplete: (stdout) => stdout.split('\n').some((line) => line.startsWith(RESULT_MARK) && isJson(line.slice(RESULT_MARK.length))),
};

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
