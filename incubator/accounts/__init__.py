"""Users, roles, login and invitations."""
