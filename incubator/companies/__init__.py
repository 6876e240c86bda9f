"""Companies: registry, profile, qualifications, members and self-registration."""
