// The five systems of the teams' runbooks (docs/runbook-map.md), as one ops-autopilot config.
// Hosts are placeholders (the reserved `.example` domain never resolves); thresholds, ports,
// paths, schedules and response targets are the runbooks' own. Copy this file to
// ops.config.ts, put in your hosts, and store each database password as an SSM SecureString.
import { defineConfig } from '../functions/index.js';

export default defineConfig({
  timezone: 'Asia/Tokyo',
  language: 'ja',
  // The strictest cell of the five incident tables: Critical 15 min (Shiojiri Rainbow; the task
  // manager says "at once"), High 1 h (Shiojiri, task manager), Medium 4 h (task manager; My Cats
  // P2), Low 24 h (task manager). The contract's defaults (8 h, 1 week) are looser.
  severities: {
    critical: { respondWithin: '15m' },
    high: { respondWithin: '1h' },
    medium: { respondWithin: '4h' },
    low: { respondWithin: '1d' },
  },
  // The failed-login and "Auth rate limit exceeded" counts are per hour in the runbooks
  // (security_monitor.sh runs hourly), so the security job runs hourly too.
  schedules: { disk: '1h', security: '1h', digest: '09:00' },
  subscribers: {
    critical: ['oncall@ops.example', '+819000000000'],
    high: ['oncall@ops.example'],
    medium: ['ops@ops.example'],
    low: ['ops@ops.example'],
    digest: ['team@ops.example'],
  },
  // Maintenance windows from the runbooks' deploy slots: alerts wait until the window ends.
  silences: [{ target: 'shiojiri-rainbow', reason: 'Kamal deploy window', weekly: { days: ['wed'], from: '02:00', to: '03:00' } }],
  targets: {
    // cafemuji-django.md: Django + gunicorn on Render; `curl https://.../health/` answers OK.
    // Render runs no SSM Agent, so its `top -p $(pgrep gunicorn)` and `ps aux | grep gunicorn` rounds have no server
    // to run on; on a VM of its own they would be `servers: { tags: {...}, processes: [{ name: 'gunicorn', match: 'gunicorn' }] }`.
    cafemuji: {
      description: 'cafeMuji order system (Django, Render)',
      health: [
        {
          name: 'health',
          url: 'https://cafemuji.example/health/',
          every: '1m',
          expect: { status: 200, bodyContains: 'OK' },
          responseTime: { warning: '1s', critical: '3s' },
        },
        {
          name: 'food-register',
          url: 'https://cafemuji.example/food/register/',
          every: '5m',
          responseTime: { warning: '1s', critical: '3s' },
        },
      ],
      postgres: [
        {
          host: 'cafemuji-db.example',
          database: 'cafemuji',
          user: 'cafemuji',
          passwordParameter: '/autopilot/cafemuji/db-password',
          ssl: 'require',
          checks: { connections: { warning: 80, critical: 95 } },
          backup: { at: '02:00' },
        },
      ],
    },
    // task-manager-flask.md: Flask API :5000 (`/health` JSON status OK), static front :8080,
    // SQLite at instance/task_manager.db, disk warning at 80 %, failed-login log checks.
    'task-manager': {
      description: 'Task manager (Flask + SQLite)',
      health: [
        {
          name: 'api',
          url: 'http://task-manager.example:5000/health',
          every: '1m',
          expect: { status: 200, json: { status: 'OK' } },
          responseTime: { warning: '200ms', critical: '1s' },
        },
        { name: 'frontend', url: 'http://task-manager.example:8080/', method: 'HEAD', every: '5m' },
      ],
      sqlite: [{ name: 'task_manager', path: '/opt/task-manager/instance/task_manager.db', backup: { at: '02:00', via: 'ssm' } }],
      servers: {
        tags: { System: 'task-manager' },
        disk: { warning: 80, critical: 90, paths: ['/opt/task-manager'] },
        // 9.1: CPU under 50 % (`top`), the API process (`python run.py`) under 512 MB (`ps`).
        resources: { cpu: { warning: 50 } },
        processes: [{ name: 'flask-api', match: 'python run.py', maxRss: '512MB' }],
        security: {
          failedLogins: { warning: 5, critical: 20, window: '1h' },
          allowedPorts: [22, 5000, 8080],
          appPaths: ['/opt/task-manager'],
        },
      },
    },
    // mycats-node-prisma.md: backend :3004 `/health` under 500 ms, alert over 3 s;
    // PostgreSQL 15; disk < 80 % normal, > 90 % alert; daily pg_dump kept 30 days.
    mycats: {
      description: 'My Cats (Node + Prisma + PostgreSQL 15)',
      health: [
        {
          name: 'api',
          url: 'http://mycats.example:3004/health',
          every: '1m',
          expect: { status: 200 },
          responseTime: { warning: '500ms', critical: '3s' },
        },
        { name: 'cats', url: 'http://mycats.example:3004/api/v1/cats', every: '5m', responseTime: { warning: '500ms', critical: '3s' } },
        // Redirects are followed (up to 5; 200-299 at the end), so a front end that starts sending everyone to a
        // login page that answers 401, or loops, is CRITICAL; `followRedirects: false` would judge the first answer.
        { name: 'frontend', url: 'http://mycats.example:3000/', every: '5m' },
      ],
      postgres: [
        {
          host: 'mycats-db.example',
          database: 'mycats',
          user: 'mycats',
          passwordParameter: '/autopilot/mycats/db-password',
          checks: { connections: { warning: 80, critical: 90 } },
          backup: { at: '02:00', retentionDays: 30 },
        },
      ],
      servers: {
        tags: { System: 'mycats' },
        disk: { warning: 80, critical: 90 },
        // The monitoring table: memory < 80 % normal, > 90 % alert; CPU < 70 %, > 85 %; `systemctl status mycats-backend`.
        resources: { cpu: { warning: 70, critical: 85 }, memory: { warning: 80, critical: 90 } },
        processes: [{ name: 'backend', unit: 'mycats-backend' }],
        security: { failedLogins: { warning: 5, critical: 20 }, allowedPorts: [22, 80, 443, 3000, 3004] },
      },
    },
    // system-gear-ec.md: Express API :3000, PostgreSQL 14, PM2; `pg_dump | gzip` nightly kept
    // 30 days; disk 80 %; "Auth rate limit exceeded" over 10 an hour; connections < 80 % of
    // max_connections; long-running query check.
    'system-gear': {
      description: 'System Gear EC stock import (Express + PostgreSQL 14)',
      health: [
        {
          name: 'api',
          url: 'https://system-gear.example/api/health',
          every: '1m',
          expect: { status: 200 },
          responseTime: { warning: '500ms', critical: '2s' },
        },
      ],
      postgres: [
        {
          host: 'system-gear-db.example',
          database: 'system_gear_ec',
          user: 'postgres',
          passwordParameter: '/autopilot/system-gear/db-password',
          // The runbook's database is local to the app server (DB_HOST=localhost) and serves no
          // TLS; every other database here uses the default, verify-full.
          ssl: false,
          checks: { connections: { warning: 80, critical: 95 }, longRunningQuery: '5m' },
          backup: { at: '02:00' },
        },
      ],
      servers: {
        tags: { System: 'system-gear' },
        disk: { warning: 80, critical: 90, paths: ['/opt/system-gear/uploads', '/backup'] },
        // System resources: CPU < 70 %, memory < 80 %. `pm2 status`: the API in cluster mode (2 instances) and the
        // stock-import batch (PM2 app system-gear-batch); PostgreSQL on the same host (`systemctl status postgresql`).
        resources: { cpu: { warning: 70 }, memory: { warning: 80 } },
        processes: [
          { name: 'api', pm2: 'system-gear-api', min: 2 },
          { name: 'stock-import', pm2: 'system-gear-batch' },
          { name: 'postgresql', unit: 'postgresql' },
        ],
        security: {
          failedLogins: { warning: 5, critical: 20 },
          logPatterns: [
            { path: '/var/log/system-gear/api-combined.log', pattern: 'Auth rate limit exceeded', warning: 10, critical: 50, window: '1h' },
          ],
          allowedPorts: [22, 80, 443],
          appPaths: ['/opt/system-gear'],
        },
      },
    },
    // shiojiri-rainbow-rails.md: Rails (Puma) via Kamal, `GET /up`; p95 200/500/1000 ms;
    // DB connections 50/80/95 (%); disk 70/80/90; PostgreSQL + PostGIS as a Kamal accessory
    // on the host, so its daily full backup runs on the server through SSM.
    'shiojiri-rainbow': {
      description: 'Shiojiri Rainbow Seeker (Rails + PostGIS via Kamal)',
      health: [
        {
          name: 'up',
          url: 'https://api.shiojiri-rainbow.example/up',
          every: '1m',
          expect: { status: 200 },
          responseTime: { warning: '500ms', critical: '1s' },
        },
      ],
      postgres: [
        {
          host: 'shiojiri-rainbow-db.example',
          database: 'shiojiri_rainbow_seeker_production',
          user: 'shiojiri_rainbow_seeker',
          passwordParameter: '/autopilot/shiojiri-rainbow/db-password',
          // A Kamal accessory on the app host itself, without TLS (local to the runbook's server).
          ssl: false,
          checks: { connections: { warning: 80, critical: 95 }, longRunningQuery: '1m' },
          backup: { at: '02:00', via: 'ssm' },
        },
      ],
      servers: {
        tags: { System: 'shiojiri-rainbow', Role: 'app' },
        disk: { warning: 80, critical: 90 },
        // The monitoring table: memory warning > 80 %, critical > 90 %; CPU > 80 %, > 95 %. Puma runs in Kamal's
        // container, whose processes the host's /proc lists too.
        resources: { cpu: { warning: 80, critical: 95 }, memory: { warning: 80, critical: 90 } },
        processes: [{ name: 'puma', match: 'puma' }],
        security: { failedLogins: { warning: 5, critical: 20 }, allowedPorts: [22, 80, 443] },
      },
    },
  },
});
