/**
 * jest globalSetup: runs once per `jest` run, before any worker starts. Installs `redis-server` when
 * it is missing (fresh CI machine), so the apt-get install happens at most once per run.
 */
import { ensureRedisServerOnce } from './redis';

export default function globalSetup(): void {
  ensureRedisServerOnce();
}
