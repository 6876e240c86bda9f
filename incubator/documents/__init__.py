"""Uploaded materials: content-checked, hashed, versioned, access-checked."""
