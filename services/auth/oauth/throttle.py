"""Login throttling in Redis that a stranger cannot turn into a lockout of someone else.

Three budgets, after the OWASP Authentication Cheat Sheet (login throttling, account lockout
without handing attackers a denial of service):

- **per account and client IP**: a few free failures, then a delay that doubles with every
  further failure (1 s, 2 s, 4 s, ... capped). It slows one address guessing one account, and
  only that address: the owner signing in from anywhere else does not notice.
- **per account, every address together**: a budget far above what a person mistypes (100 an
  hour by default), against guessing spread over many addresses. Once spent, the account takes
  no sign-in from an address it never signed in from until the window ends — addresses where it
  signed in before stay exempt (so a botnet does not lock the owner out), and a completed
  password reset gives the budget back.
- **per client IP, every account together**: against one address trying many accounts
  (credential stuffing, password spraying).

Every attempt is counted before the password is checked, in one Redis script that checks the
budgets and counts at once (so a burst of parallel guesses cannot all pass the check before any
is counted); a successful sign-in gives its attempt back. Accounts are keyed by tenant + SHA-256
of the email, whether or not the account exists: an unknown address is throttled exactly like a
real one, and the answers tell nothing apart. Refused attempts never reach the password check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import redis.asyncio as aioredis

from services.auth.crypto import digest
from services.auth.settings import AuthSettings

# KEYS: 1 pair failures, 2 pair delay, 3 account failures, 4 IP failures, 5 known address.
# ARGV: 1 free failures, 2 first delay (ms), 3 longest delay (ms), 4 pair memory (s),
#       5 account budget, 6 account window (s), 7 IP budget, 8 IP window (s).
# Returns {0, pair failures, account failures} when the attempt may go on (counted), or
# {budget 1|2|3, ms to wait, 0} when it is refused (1 pair delay, 2 account, 3 IP).
ATTEMPT = """
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return {1, wait, 0} end
if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[7]) then
  return {3, math.max(redis.call('PTTL', KEYS[4]), 1), 0}
end
if redis.call('EXISTS', KEYS[5]) == 0
    and tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[5]) then
  return {2, math.max(redis.call('PTTL', KEYS[3]), 1), 0}
end
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local free = tonumber(ARGV[1])
if n >= free then
  local delay = math.min(tonumber(ARGV[2]) * 2 ^ (n - free), tonumber(ARGV[3]))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(delay))
end
local account = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[6], 'NX')
redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], ARGV[8], 'NX')
return {0, n, account}
"""

# Same KEYS; ARGV[1] how long the address stays known (s, 0: not remembered).
SUCCEEDED = """
redis.call('DEL', KEYS[1], KEYS[2])
for i = 3, 4 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[5], '1', 'EX', ARGV[1]) end
return 0
"""


class Budget(StrEnum):
    ACCOUNT_IP = "account_ip"
    ACCOUNT = "account"
    IP = "ip"


REFUSED_BY = {1: Budget.ACCOUNT_IP, 2: Budget.ACCOUNT, 3: Budget.IP}


@dataclass(frozen=True)
class Verdict:
    #: The budget that refused the attempt; None when it may go on.
    refused_by: Budget | None = None
    retry_after: int = 0  # seconds, when refused
    failures: int = 0  # this account's attempts from this address, this one included
    account_failures: int = 0  # this account's attempts from every address, in its window


class LoginThrottle:
    def __init__(self, redis: aioredis.Redis, settings: AuthSettings) -> None:
        self.redis = redis
        self.settings = settings
        self._attempt = redis.register_script(ATTEMPT)
        self._succeeded = redis.register_script(SUCCEEDED)

    def _keys(self, tenant_id: str, email: str, ip: str) -> list[str]:
        # Digest of the email: no addresses in Redis keys (they show up in monitoring).
        account = f"{tenant_id}:{digest(email.strip().lower())[:32]}"
        return [
            f"auth:login:pair:{account}:{ip}",
            f"auth:login:delay:{account}:{ip}",
            f"auth:login:acct:{account}",
            f"auth:login:ip:{ip}",
            f"auth:login:known:{account}:{ip}",
        ]

    async def attempt(self, tenant_id: str, email: str, ip: str) -> Verdict:
        """Check every budget and count the attempt (as a failure until ``succeeded``)."""
        s = self.settings
        args = [
            s.login_free_failures,
            int(s.login_backoff_base_seconds * 1000),
            s.login_backoff_max_seconds * 1000,
            s.login_backoff_memory_seconds,
            s.login_max_failures_per_account,
            s.login_account_window_seconds,
            s.login_max_failures_per_ip,
            s.login_failure_window_seconds,
        ]
        code, value, account = await self._attempt(keys=self._keys(tenant_id, email, ip), args=args)
        if int(code):
            return Verdict(REFUSED_BY[int(code)], retry_after=max(math.ceil(int(value) / 1000), 1))
        return Verdict(failures=int(value), account_failures=int(account))

    async def succeeded(self, tenant_id: str, email: str, ip: str) -> None:
        """The password was right: the address's failures for the account are forgotten, the
        attempt is given back, and the address is known to the account from now on."""
        known = self.settings.login_known_address_days * 86_400
        await self._succeeded(keys=self._keys(tenant_id, email, ip), args=[known])

    async def forgive(self, tenant_id: str, email: str, ip: str) -> None:
        """The account proved itself another way (a completed password reset): its budget is
        whole again, and so is the address it did that from."""
        pair, delay, account, _, _ = self._keys(tenant_id, email, ip)
        await self.redis.delete(pair, delay, account)
