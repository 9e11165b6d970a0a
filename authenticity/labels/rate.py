"""Rate limits of public verification: per address and one overall cap, pages and API alike."""

import functools
import time

from limits import parse

from alliance.extensions import limiter

PER_ADDRESS = "label-verify"
OVERALL = "label-verify-all"


@functools.lru_cache(maxsize=32)
def _limit(text: str):
    return parse(text)


class VerifyLimits:
    """Count every check against LABEL_VERIFY_RATE per address and LABEL_VERIFY_GLOBAL_RATE.

    The counters live in the rate-limit storage of the app (RATELIMIT_STORAGE_URI: memory
    per process, Redis shared by every server), switched off by RATELIMIT_ENABLED=false.
    """

    def __init__(self, config):
        self.config = config

    def wait(self, address: str | None) -> int:
        """Count a check from `address`; return 0 if it may go on, else seconds to wait."""
        config = self.config
        if not config["RATELIMIT_ENABLED"]:
            return 0
        strategy = limiter.limiter
        for text, keys in (
            (config["LABEL_VERIFY_RATE"], (PER_ADDRESS, address or "unknown")),
            (config["LABEL_VERIFY_GLOBAL_RATE"], (OVERALL,)),
        ):
            limit = _limit(text)
            if not strategy.hit(limit, *keys):
                reset = strategy.get_window_stats(limit, *keys).reset_time
                return max(1, int(reset - time.time()) + 1)
        return 0
