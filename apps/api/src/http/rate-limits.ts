import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SkipThrottle, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AppConfig } from '#domain';
import { bearerToken } from './auth';

const PER_CALLER = 'per-caller';
const PER_ADDRESS = 'per-address';

/** What the trackers read of a request (the throttler hands it over as a bare record). */
interface TrackedRequest {
  headers?: IncomingHttpHeaders;
  ip?: string;
}

/**
 * The rate limits: `RATE_LIMIT_PER_MINUTE` per caller, four times that per address. The address is
 * the one Fastify resolved (`request.ip`): the socket's, or X-Forwarded-For's when the socket is a
 * `TRUST_PROXY` proxy, so a client cannot choose its own key by sending the header.
 */
export function rateLimits(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      // A caller is its token as the auth guard reads it (so `bearer T`, `BEARER T` and `Bearer  T`
      // are one caller; hashed, never kept in clear), else its address …
      {
        name: PER_CALLER,
        ttl: 60_000,
        limit: config.rateLimitPerMinute || Number.MAX_SAFE_INTEGER,
        getTracker: (req: TrackedRequest) => {
          const token = bearerToken(req.headers?.authorization);
          return token ? `token:${createHash('sha256').update(token).digest('hex')}` : `address:${String(req.ip)}`;
        },
      },
      // … and an address may not dodge the limit by sending a new made-up token each time.
      {
        name: PER_ADDRESS,
        ttl: 60_000,
        limit: (config.rateLimitPerMinute || Number.MAX_SAFE_INTEGER / 4) * 4,
        getTracker: (req: TrackedRequest) => String(req.ip),
      },
    ],
    skipIf: () => config.rateLimitPerMinute === 0,
    // One budget per caller across all routes (the default key would give a budget per route).
    generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
    errorMessage: `Too many requests: at most ${config.rateLimitPerMinute} a minute per caller. Wait and try again.`,
  };
}

/** A route no rate limit counts or refuses (`@SkipThrottle()` alone skips only a throttler named "default"). */
export const OutsideRateLimits = () => SkipThrottle({ [PER_CALLER]: true, [PER_ADDRESS]: true });
