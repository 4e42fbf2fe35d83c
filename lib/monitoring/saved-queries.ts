import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SCREEN_QUERIES, type ScreenQueryTitle } from './screen-queries.js';
import { groupByFunction, logGroupOf, type WatchedFunction } from './watched-function.js';

export interface SavedQueriesProps {
  readonly functions: readonly WatchedFunction[];
  /** The folder the queries appear in, in Logs Insights' "Saved queries" list. */
  readonly folder: string;
}

/**
 * The operations screen as saved CloudWatch Logs Insights queries: every check's state, the
 * not-ok findings over time, response times, backups and disk use, each over the job functions'
 * log groups. A query definition costs nothing; running one costs its scan ($0.005 per GB), so
 * the suite's screen has no fixed price. The optional dashboard shows the same queries.
 */
export class SavedQueries extends Construct {
  /** The query definitions, by title. */
  readonly definitions: Readonly<Record<ScreenQueryTitle, logs.CfnQueryDefinition>>;

  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    const logGroupNames = groupByFunction(props.functions).map((g) => logGroupOf(this, g).logGroupName);
    const definitions = {} as Record<ScreenQueryTitle, logs.CfnQueryDefinition>;
    for (const [i, [title, lines]] of Object.entries(SCREEN_QUERIES).entries()) {
      definitions[title as ScreenQueryTitle] = new logs.CfnQueryDefinition(this, `Query${i + 1}`, {
        // "folder/name" files the query under that folder in the console.
        name: `${props.folder}/${i + 1}. ${title}`,
        queryString: lines.join('\n| '),
        logGroupNames,
      });
    }
    this.definitions = definitions;
  }
}
