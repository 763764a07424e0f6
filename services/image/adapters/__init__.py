"""I/O for the image service: provider media, the blob binding, Astria, the database."""
