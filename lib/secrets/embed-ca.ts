import { resolve } from 'node:path';
import { ConfigError } from '../../functions/core/errors.js';
import { caFileForDeployment, isPemText } from '../../functions/kinds/postgres/tls.js';
import type { Config } from '../../functions/kinds/config.js';

/**
 * The deployed config with every `ssl.ca` file replaced by its certificates' PEM text: a CA
 * certificate is public, and this way it reaches the function (and the backup image) inside the
 * bundled config, with no file to ship and no lookup at run time. Paths are read relative to
 * `baseDir` (the working directory of `cdk synth`). A missing file, a file without certificates,
 * or one holding a private key is a config error naming the field.
 */
export function embedCaFiles(config: Config, baseDir: string = process.cwd()): Config {
  const issues: string[] = [];
  const targets: Config['targets'] = {};
  for (const [name, target] of Object.entries(config.targets)) {
    targets[name] = {
      ...target,
      postgres: target.postgres?.map((db, i) => {
        if (typeof db.ssl !== 'object' || db.ssl.ca === undefined || isPemText(db.ssl.ca)) return db;
        try {
          return { ...db, ssl: { ...db.ssl, ca: caFileForDeployment(resolve(baseDir, db.ssl.ca)) } };
        } catch (error) {
          issues.push(`targets.${name}.postgres[${i}].${(error as Error).message}`);
          return db;
        }
      }),
    };
  }
  if (issues.length) throw new ConfigError(`invalid config:\n  ${issues.join('\n  ')}`, issues);
  return { ...config, targets };
}
