"""One router per resource; ``pitchless.api.main`` mounts them."""
