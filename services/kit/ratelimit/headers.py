"""The ``X-RateLimit-*`` headers of a decision, exactly as Envoy's rate limit filter writes them
(``enable_x_ratelimit_headers: DRAFT_VERSION_03``), for the checks that answer Envoy themselves
(the API-key check): a client sees the same headers whichever checker counted its request.

* ``X-RateLimit-Limit``: the limit of the binding window (fewest requests left; the first on a
  tie), then every reported window as a quota policy ``<limit>;w=<seconds>;name="<subject>"``;
* ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``: of the binding window;
* ``Retry-After`` on a refusal: until every window that refused has ended.
"""

from __future__ import annotations

from services.kit.ratelimit.checker import Decision, WindowStatus


def draft03_headers(decision: Decision) -> list[tuple[str, str]]:
    shown: list[tuple[str, WindowStatus]] = [
        (r.subject.kind, r.status) for r in decision.results if r.status is not None and r.subject is not None
    ]
    if not shown:
        return []
    binding = shown[0][1]
    for _, status in shown[1:]:
        if status.remaining < binding.remaining:
            binding = status
    policies = ", ".join(f'{s.limit};w={s.window.seconds};name="{kind}"' for kind, s in shown)
    headers = [
        ("x-ratelimit-limit", f"{binding.limit}, {policies}"),
        ("x-ratelimit-remaining", str(binding.remaining)),
        ("x-ratelimit-reset", str(binding.reset_s)),
    ]
    if not decision.allowed:
        headers.append(("retry-after", str(decision.retry_after_s)))
    return headers
