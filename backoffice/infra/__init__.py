"""Infrastructure: how the register talks to files and other programs (database backups, e-mail delivery,
CSV for spreadsheets). It knows no business rule; the services and the CLI use it."""
