"""The image service: Checks and stores photos, trains Astria tunes from a pack, receives Astria's callbacks."""
