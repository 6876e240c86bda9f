"""PDF platform: one renderer, issued numbered documents, public verification."""
