"""A stand-in for one web worker, for the shared-state tests: reads JSON commands on stdin,
answers one JSON line each. Run with the site's settings from the environment."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime


def main() -> None:
    """Answer commands until stdin closes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pitchless.config.settings")
    import django

    django.setup()
    from pitchless.members import ratelimit
    from pitchless.network.guard_adapter import bulk_index

    print(json.dumps({"ready": type(bulk_index.store).__name__, "pid": os.getpid()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "observe":
            counts = bulk_index.observe(
                sender=cmd["sender"],
                recipient=cmd["recipient"],
                text=cmd["text"],
                at=datetime.fromisoformat(cmd["at"]),
            )
            answer = {"recipients": counts.recipients, "senders": counts.senders}
        elif cmd["op"] == "count":
            counts = bulk_index.count(
                sender=cmd["sender"], text=cmd["text"], at=datetime.fromisoformat(cmd["at"])
            )
            answer = {"recipients": counts.recipients, "senders": counts.senders}
        elif cmd["op"] == "hit":
            limit = ratelimit.Limit(cmd["attempts"], 600)
            used = ratelimit.hit("test", cmd["ident"], limit)
            answer = {"used": used, "limited": ratelimit.is_limited("test", cmd["ident"], limit)}
        else:
            answer = {"error": f"unknown op {cmd['op']}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
