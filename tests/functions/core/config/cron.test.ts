import { describe, expect, it } from 'vitest';
import { cronProblem } from '../../../../functions/core/config/cron.js';

describe('cronProblem (EventBridge Scheduler cron expressions)', () => {
  it.each([
    'cron(0 2 * * ? *)',
    'cron(15 10 ? * 6L 2026-2030)',
    'cron(0/15 * * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0 9 ? * 3#2 *)',
    'cron(0 9 L * ? *)',
    'cron(0 9 LW * ? *)',
    'cron(0 9 15W * ? *)',
    'cron(0 0 1 JAN,JUL ? *)',
    'cron(5,35 14 * * ? *)',
    'cron(0 2 * * ? 2026/2)',
    'cron(0 2 ? * sun *)',
  ])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['cron(garbage)', /6 fields.*not 1/],
    ['cron(0 2 * * ?)', /6 fields.*not 5/],
    ['cron(0 2 * * ? * *)', /6 fields.*not 7/],
    ['cron()', /6 fields/],
    ['rate(5 minutes)', /cron\(minutes hours/],
    ['cron(60 2 * * ? *)', /^minutes "60" is not valid \(0-59/],
    ['cron(0 24 * * ? *)', /^hours "24" is not valid \(0-23/],
    ['cron(0 2 32 * ? *)', /^day-of-month "32"/],
    ['cron(0 2 0 * ? *)', /^day-of-month "0"/],
    ['cron(0 2 ? 13 MON *)', /^month "13" is not valid \(1-12 or JAN-DEC/],
    ['cron(0 2 ? * 8 *)', /^day-of-week "8" is not valid \(1-7 or SUN-SAT/],
    ['cron(0 2 ? * FUNDAY *)', /^day-of-week "FUNDAY"/],
    ['cron(0 2 * * ? 1969)', /^year "1969" is not valid \(1970-2199/],
    ['cron(0 2 * * ? 2200)', /^year "2200"/],
    ['cron(0 2 * * MON *)', /exactly one of day-of-month and day-of-week must be "\?"/],
    ['cron(0 2 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 2 1 * 2 *)', /exactly one of/],
    ['cron(0 20-10 * * ? *)', /^hours "20-10"/],
    ['cron(0/0 2 * * ? *)', /^minutes "0\/0"/],
    ['cron(0/61 2 * * ? *)', /^minutes "0\/61"/],
    ['cron(? 2 * * ? *)', /^minutes "\?"/],
    ['cron(L 2 * * ? *)', /^minutes "L"/],
    ['cron(0 2 * * ? L)', /^year "L"/],
    ['cron(0 2 ? * 3#6 *)', /^day-of-week "3#6"/],
    ['cron(0 2 ? * 3#1,6#3 *)', /^day-of-week "3#1,6#3"/],
    ['cron(0 2 * JAN-FUN ? *)', /^month "JAN-FUN"/],
    ['cron(0,,5 2 * * ? *)', /^minutes "0,,5"/],
    ['cron(-1 2 * * ? *)', /^minutes "-1"/],
  ])('rejects %s', (expression, problem) => {
    expect(cronProblem(expression)).toMatch(problem);
  });
});
