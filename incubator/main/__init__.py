"""Home page with the task inbox, health check, language switch."""
