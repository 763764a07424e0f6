"""The image service: checks and stores photos, trains Astria tunes, takes Astria's callbacks."""
