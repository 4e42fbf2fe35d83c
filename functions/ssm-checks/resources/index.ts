import { serverCheck } from '../server-check.js';
import { RESOURCES_CONFIG_FIELDS, RESOURCES_SCRIPT, resourcesApply, resourcesParameters } from './parameters.js';
import { addResourcesFindings, resourcesOutput } from './parse.js';

/**
 * The resources check, run by the hourly disk job on targets that configure `resources` or `processes`: CPU since
 * the previous run, memory, swap and load against `servers.resources`, and the services of `servers.processes`.
 */
export const resources = serverCheck({
  id: 'resources',
  job: 'disk',
  script: RESOURCES_SCRIPT,
  appliesTo: resourcesApply,
  parameters: resourcesParameters,
  configFields: RESOURCES_CONFIG_FIELDS,
  output: resourcesOutput,
  addFindings: addResourcesFindings,
});
